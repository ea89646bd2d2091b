"""An item the catalogue opens in some townships only is offered only at the points of those townships."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

import resources
from desktop.services.session import Counter
from desktop.settings import Settings
from desktop.store.engine import write
from desktop.store.ledger import set_meta
from desktop.ui.guides_page import GuidesPage
from desktop.ui.messages import MessageBar
from desktop.ui.record import RecordPage
from sync.ledger.catalogue import load_units, parse_catalogue
from tests.desktop.ui.conftest import NOW
from tests.factories import make_store


@pytest.fixture
def limited():
    """The 2024.1 catalogue with 个体工商户设立登记 (FL015) opened in 浮梁镇 and 鹅湖镇 only."""
    data = resources.read_json("catalogue", "2024.1", "catalogue.json")
    data["items"][14]["townships"] = ["浮梁镇", "鹅湖镇"]
    return parse_catalogue(data, load_units())


def counter_in(tmp_path, catalogue, township: str) -> Counter:
    store = make_store(tmp_path / township)
    with write(store.engine) as conn:
        set_meta(conn, township=township)  # as enrolment writes it
    return Counter(store, catalogue, Settings(tmp_path / township), clock=lambda: NOW)


@pytest.mark.parametrize(("township", "offered"), [("浮梁镇", True), ("瑶里镇", False)])
def test_an_item_of_some_townships_is_offered_only_there(qtbot, tmp_path, limited, township, offered):
    counter = counter_in(tmp_path, limited, township)
    try:
        record = RecordPage(counter, MessageBar())
        guides = GuidesPage(counter, MessageBar())
        qtbot.addWidget(record)
        qtbot.addWidget(guides)
        shown = [item.code for item in record.picker.items_shown()]
        assert ("FL015" in shown) is offered and len(shown) == (20 if offered else 19)
        record.picker.search.setText("个体工商户设立")
        assert bool(record.picker.items_shown()) is offered
        guide_items = [guides.list.item(n).data(Qt.ItemDataRole.UserRole) for n in range(guides.list.count())]
        assert ("FL015" in [item.code for item in guide_items if item is not None]) is offered
        assert counter.catalogue.by_code("FL015")  # cases already recorded still read their item
    finally:
        counter.close()
