"""The record page shows the chosen item's own fields, fills their defaults, and saves them with the case."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from sqlalchemy import select

from desktop.store.engine import read
from desktop.store.schema import case
from tests.desktop.ui.test_record import _fill_person, _pick, _record_page
from tests.desktop.ui.typing import type_text


def _saved(counter) -> tuple[dict, dict]:
    with read(counter.store.engine) as conn:
        row = conn.execute(select(case.c.details_json, case.c.details_pii_json)).one()
    return json.loads(row.details_json or "{}"), json.loads(row.details_pii_json or "{}")


def test_a_phone_top_up_costs_no_extra_keys_the_operator_follows_the_number(qtbot, window, counter):
    page = _record_page(window)
    _pick(qtbot, page, "jnhf")
    box = page.item_fields
    assert not box.isHidden() and set(box.fields) == {"paid_mobile", "operator"}
    _fill_person(qtbot, page, mobile="18607981234")
    assert box.fields["operator"].editor.currentText() == "中国联通"  # picked from the number as typed
    type_text(qtbot, page.amount, "50")
    page.consent.setChecked(True)
    qtbot.keyClick(page.amount, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.stack.currentWidget() is page.done
    assert _saved(counter) == ({"operator": "lt"}, {"paid_mobile": "18607981234"})


def test_a_water_bill_asks_for_the_account_number_beside_the_field(qtbot, window, counter):
    page = _record_page(window)
    _pick(qtbot, page, "缴纳水费")
    _fill_person(qtbot, page)
    type_text(qtbot, page.amount, "38")
    page.consent.setChecked(True)
    assert page.save() is None
    field = page.item_fields.fields["account_no"]
    assert field.error.text() == "请填写用水户号。" and field.editor.hasFocus()
    type_text(qtbot, field.editor, "3602220417")
    assert page.save() is not None
    assert _saved(counter) == ({}, {"account_no": "3602220417"})


def test_an_item_without_fields_shows_none(qtbot, window):
    page = _record_page(window)
    _pick(qtbot, page, "个体工商户设立登记")
    assert page.item_fields.isHidden() and page.item_fields.fields == {}


def test_the_ledger_shows_the_items_fields_personal_ones_masked(counter):
    from desktop.services.case_detail import load_detail
    from tests.factories import make_case_draft

    (recorded,) = counter.store.append(make_case_draft(counter.catalogue, mobile="18607981234", amount="50"))
    detail = load_detail(counter, recorded.body["case_id"])
    assert detail.details == "充值号码 186****1234；运营商 中国联通"
