"""Correcting (更正) a case's item-specific fields on a real store file: checked, kept apart, shown, reprinted."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from desktop.services import case_actions
from desktop.services.case_detail import load_detail
from desktop.services.printouts import receipt_pdf
from desktop.store.engine import read
from desktop.store.schema import case, event
from sync.ledger.forms import FormErrors
from tests.desktop.printing.pdftools import pdf_text
from tests.factories import make_case_draft


def _columns(counter, case_id: str) -> tuple[dict, dict]:
    with read(counter.store.engine) as conn:
        row = conn.execute(select(case.c.details_json, case.c.details_pii_json).where(case.c.case_id == case_id)).one()
    return json.loads(row.details_json or "{}"), json.loads(row.details_pii_json or "{}")


def _record(counter, **form) -> str:
    (recorded,) = counter.append(make_case_draft(counter.catalogue, **form))
    return recorded.body["case_id"]


def test_a_corrected_top_up_number_and_operator_reach_the_ledger_the_page_and_a_reprint(counter):
    case_id = _record(counter, item_code="FL001", mobile="18607981234", amount="50")
    assert _columns(counter, case_id) == ({"operator": "lt"}, {"paid_mobile": "18607981234"})
    detail = load_detail(counter, case_id)
    case_actions.amend(counter, detail, {"details": {"paid_mobile": "139 7912 3456", "operator": "yd"}}, {})

    assert _columns(counter, case_id) == ({"operator": "yd"}, {"paid_mobile": "13979123456"})
    with read(counter.store.engine) as conn:
        body_json, pii_json = conn.execute(
            select(event.c.body_json, event.c.pii_json).order_by(event.c.seq.desc()).limit(1)
        ).one()
    assert json.loads(body_json)["changes"] == {"details": {"operator": "yd"}}
    assert "13979123456" not in body_json and json.loads(pii_json) == {"paid_mobile": "13979123456"}  # personal side

    after = load_detail(counter, case_id)
    assert "充值号码 139****3456" in after.details and "运营商 中国移动" in after.details
    assert after.timeline[-1].what == "更正：运营商、充值号码"
    text = pdf_text(receipt_pdf(counter, case_id, reprint=True)).replace(" ", "")
    assert "139****3456" in text and "移动浮梁分公司" in text and "联通" not in text


def test_a_water_account_and_a_coverage_year_are_checked_by_the_shared_rules(counter):
    water = load_detail(counter, _record(counter, item_code="FL002", amount="38", details={"account_no": "3602220417"}))
    with pytest.raises(FormErrors) as refused:
        case_actions.amend(counter, water, {"details": {"account_no": "36#"}}, {})
    assert set(refused.value.errors) == {"account_no"}
    case_actions.amend(counter, water, {"details": {"account_no": "3602220999"}}, {})
    assert _columns(counter, water.case_id)[1] == {"account_no": "3602220999"}

    medical = load_detail(counter, _record(counter, item_code="FL005", amount="380"))
    before = counter.store.head().seq
    for wrong in ({"period": "1899"}, {"period": ""}, {"insured_id": "12345"}, {"nonsense": "1"}):
        with pytest.raises(FormErrors):
            case_actions.amend(counter, medical, {"details": wrong}, {})
    assert counter.store.head().seq == before  # nothing refused was written
    case_actions.amend(counter, medical, {"details": {"period": "2028", "insured_name": "王小明"}}, {})
    values, personal = _columns(counter, medical.case_id)
    assert values == {"period": "2028"} and personal == {"insured_name": "王小明"}


def test_an_item_without_own_fields_refuses_them_in_a_correction(counter):
    detail = load_detail(counter, _record(counter, item_code="FL011", amount=None))
    with pytest.raises(FormErrors) as refused:
        case_actions.amend(counter, detail, {"details": {"operator": "yd"}}, {})
    assert "details" in refused.value.errors
