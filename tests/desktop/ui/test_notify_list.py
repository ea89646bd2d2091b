"""The home screen lists the villagers to tell of a county status, shows the phone on request, clears on 已通知."""

from __future__ import annotations

from desktop.store import county_feed
from desktop.store.engine import write
from desktop.ui.home import HomePage
from sync.ledger.forms import draft_materials_sent
from tests.factories import make_case_draft


def test_a_returned_case_shows_on_the_home_screen_until_marked_told(qtbot, counter):
    item = counter.catalogue.by_code("FL015")
    (recorded,) = counter.store.append(
        make_case_draft(
            counter.catalogue,
            item_code="FL015",
            amount=None,
            materials={m.code: "received" for m in item.guide.materials},
        )
    )
    counter.store.append(draft_materials_sent(recorded.body["case_id"]))
    page = HomePage(counter)
    qtbot.addWidget(page)
    page.refresh()
    assert page.notify.card.isHidden()

    status = {"case_id": recorded.body["case_id"], "status": "returned", "note": "申请书缺签名", "changed_at": None}
    with write(counter.store.engine) as conn:
        county_feed.store_items(
            conn, [{"cursor": 7, "kind": "case_status", "payload": status, "created_at": "2026-11-27T10:00:00+08:00"}]
        )
    page.refresh()
    assert not page.notify.card.isHidden() and page.notify.table.rowCount() == 1
    cells = [page.notify.table.item(0, c).text() for c in range(page.notify.table.columnCount())]
    assert (
        cells[0] == recorded.body["receipt_no"]
        and cells[3] == "139****2345"
        and cells[4:] == ["部门退回", "申请书缺签名"]
    )
    assert "需通知群众（1 件）" in page.notify.title.text()

    page.notify.call_button.click()
    assert page.notify.table.item(0, 3).text() == "13979812345"
    page.notify.told_button.click()
    assert page.notify.card.isHidden() and page.notify.table.rowCount() == 0
