"""The receipt says what it is: a record of what the agent received, never an acceptance; free; how to ask."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop.printing.documents import DOCUMENTS, layout_of, pdf_of
from desktop.printing.papers import A4, PAPERS, ROLL58
from desktop.printing.queries import receipt_data
from desktop.printing.receipt import NOT_ACCEPTANCE
from desktop.printing.wording import NO_FEE, yuan
from tests.desktop.printing.pdftools import pdf_text
from tests.factories import make_case_draft


def squeezed(data, paper=ROLL58) -> str:
    return "".join(pdf_text(pdf_of(data, paper)).split())


@pytest.mark.parametrize("key", list(DOCUMENTS))
def test_no_document_ever_calls_itself_an_acceptance_notice(sample_ledger, key):
    for paper in PAPERS.values():
        assert "受理通知书" not in layout_of(sample_ledger.documents[key], paper).text()


def test_the_receipt_carries_the_disclaimer_the_fee_statement_and_the_hotline(sample_ledger):
    text = squeezed(sample_ledger.documents["receipt"], A4)
    assert "".join(NOT_ACCEPTANCE.split()) in text
    assert "".join(NO_FEE.split()) in text
    assert "12345" in text and "2个工作日内答复" in text
    assert "材料齐全的，3个工作日内办结" in text  # the guide's time limit
    assert "是否受理由县市监局决定" in text  # the handling unit decides


def test_money_is_printed_in_yuan_with_two_decimals():
    assert yuan(8650) == "86.50 元" and yuan(5000) == "50.00 元" and yuan(1) == "0.01 元"
    assert yuan(123456789) == "1234567.89 元" and yuan(0) == "0.00 元"


def test_a_payment_receipt_shows_the_amount_paid_in_full(store, catalogue):
    (recorded,) = store.append(make_case_draft(catalogue, item_code="FL003", amount="86.5"))
    text = squeezed(receipt_data(store, catalogue, recorded.body["case_id"]))
    assert "代缴金额" in text and "86.50元" in text and "全额代缴给县供电公司" in text
    assert "已收到的材料" not in text  # nothing was recorded as handed over


def test_cash_withdrawal_is_not_called_a_payment(store, catalogue):
    (recorded,) = store.append(make_case_draft(catalogue, item_code="FL012", amount="500"))
    text = squeezed(receipt_data(store, catalogue, recorded.body["case_id"]))
    assert "取现金额" in text and "500.00元" in text and "代缴" not in text


def test_an_online_item_says_who_handles_it(store, catalogue):
    (recorded,) = store.append(make_case_draft(catalogue, item_code="FL014", amount=None))
    text = squeezed(receipt_data(store, catalogue, recorded.body["case_id"]))
    assert "代办员已在网上为您申报，由县医保局办理" in text


def test_reprints_voids_and_training_say_so(sample_ledger):
    receipt = sample_ledger.documents["receipt"]
    assert "代办收件回执（补打）" in squeezed(replace(receipt, reprint=True))
    voided = squeezed(replace(receipt, voided=True, void_reason="登记错了", state_label="已作废"))
    assert "本办件已作废，本回执不再有效。作废原因：登记错了" in voided
    assert "培训练习用，不是真实单据" in squeezed(replace(receipt, training=True))
