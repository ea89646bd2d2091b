"""The documents' data comes from the ledger as it is: counts, links, states, masks, and the point's settings."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from desktop.printing.data import DaySheetData
from desktop.printing.documents import pdf_of
from desktop.printing.papers import A4, ROLL58
from desktop.services.print_data import (
    CHECK_KEY_META,
    PrintDataError,
    mailing_slip_data,
    print_settings,
    receipt_data,
)
from desktop.services.print_day import day_sheet_data
from desktop.services.print_sample_day import SAMPLE_TRACKING
from desktop.store.engine import write
from desktop.store.schema import meta
from sync.clock import china_today
from sync.ledger.forms import draft_complete
from tests.desktop.printing.pdftools import pdf_text
from tests.factories import make_case_draft


def test_the_day_sheet_adds_up_the_sample_day(sample_ledger):
    day: DaySheetData = sample_ledger.documents["day-sheet"]
    assert day.case_count == 5 and day.voided_count == 1
    assert {row.name: row.count for row in day.by_item} == {
        "缴纳话费": 1,
        "缴纳电费": 1,
        "医保卡激活": 1,
        "个体工商户设立登记": 1,
        "户外广告（店牌店招设置的管理）": 1,
    }
    assert day.amount_fen_total == 5000 + 8650
    assert dict(day.by_mode) == {"代办点": 3, "上户": 1, "活动日": 1}
    assert day.points_today == 3 + 1 + 1  # 医保卡激活 (三类), 缴纳电费 and 缴纳话费 (一类) completed
    assert day.month_points == 5 and day.month_cap == 1000
    assert day.voided[0].reason.startswith("话费金额录成 500 元")
    assert day.mailings[0].tracking_no == SAMPLE_TRACKING and day.mailings[0].recipient == "县市监局"
    assert day.unsynced_total == sum(count for _label, count in day.unsynced) > 0
    assert day.closed_at is None


def test_the_day_sheet_shows_the_close_once_the_day_is_closed(store, catalogue):
    (recorded,) = store.append(make_case_draft(catalogue))
    store.append(draft_complete(recorded.body["case_id"]))
    store.close_day(china_today())
    day = day_sheet_data(store, catalogue, china_today())
    assert day.closed_at is not None and day.case_count == 1
    assert "已日结" in "".join(pdf_text(pdf_of(day, A4)).split())


def test_an_empty_day_still_prints(store, catalogue):
    day = day_sheet_data(store, catalogue, date(2026, 12, 1))
    assert day.case_count == 0 and day.by_item == () and day.mailings == ()
    text = "".join(pdf_text(pdf_of(day, ROLL58)).split())
    assert "今天没有登记寄递" in text and "合计" in text


def test_the_mailing_slip_links_the_receipt_numbers(sample_ledger):
    slip = sample_ledger.documents["mailing-slip"]
    receipt = sample_ledger.documents["receipt"]
    assert [case.receipt_no for case in slip.cases] == [receipt.receipt_no]
    assert slip.recipient_name == "县市监局" and slip.pieces == 2 and slip.state_label == "已交寄"


def test_the_receipt_reflects_the_cases_state_and_masks(sample_ledger):
    receipt = sample_ledger.documents["receipt"]
    assert receipt.state_label == "材料已送交"
    assert receipt.applicant.name == "𠮷**" and receipt.applicant.id_text == "3602**********1237"
    assert [m.name for m in receipt.missing] == ["经营场所使用证明"]
    assert receipt.query.check_code and receipt.query.url.endswith(receipt.query.check_code)


def test_unknown_records_are_a_plain_message(store, catalogue):
    with pytest.raises(PrintDataError, match="没有找到这笔办件"):
        receipt_data(store, catalogue, "0" * 32)
    with pytest.raises(PrintDataError, match="没有找到这件寄递"):
        mailing_slip_data(store, catalogue, "0" * 32)


def test_the_check_key_comes_from_the_enrolment_and_without_it_no_qr_is_printed(store, catalogue):
    (recorded,) = store.append(make_case_draft(catalogue))
    case_id = recorded.body["case_id"]
    without = receipt_data(store, catalogue, case_id, settings=print_settings(store))
    assert without.query.url is None and without.query.check_code is None
    text = "".join(pdf_text(pdf_of(without, ROLL58)).split())
    assert "12345" in text and "查询码" not in text
    with write(store.engine) as conn:
        conn.execute(insert(meta).values(key=CHECK_KEY_META, value="ab" * 32))
        conn.execute(insert(meta).values(key="printing.query_url_base", value="https://ssb.example.gov.cn/q"))
    settings = print_settings(store, training=True)
    assert settings.check_key == bytes.fromhex("ab" * 32) and settings.training
    with_key = receipt_data(store, catalogue, case_id, settings=settings)
    assert with_key.query.url.startswith("https://ssb.example.gov.cn/q?r=")
    assert "培训练习用" in "".join(pdf_text(pdf_of(with_key, ROLL58)).split())


def test_purged_personal_data_is_said_to_be_purged(store, catalogue):
    (recorded,) = store.append(make_case_draft(catalogue))
    store.mark_outbox([recorded.seq], "acked")  # only what the county holds is purged
    store.purge_personal_data(date(2027, 1, 1))
    receipt = receipt_data(store, catalogue, recorded.body["case_id"])
    assert receipt.applicant.name == "（已按规定清除）" and receipt.applicant.mobile == ""


def test_the_receipt_names_the_enrolled_agent(store, catalogue):
    """The account the county enrolled is the agent named on the receipt; without one, a signature line stands in."""
    (recorded,) = store.append(make_case_draft(catalogue))
    case_id = recorded.body["case_id"]
    assert receipt_data(store, catalogue, case_id).point.agent_name == ""
    with write(store.engine) as conn:
        conn.execute(insert(meta).values(key="account_name", value="程春花"))
    data = receipt_data(store, catalogue, case_id)
    assert data.point.agent_name == "程春花"
    assert "代办员程春花" in "".join(pdf_text(pdf_of(data, ROLL58)).split())
    assert receipt_data(store, catalogue, case_id, agent_name="李四").point.agent_name == "李四"
