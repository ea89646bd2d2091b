"""The receipt says what it is: a record of what the agent received, never an acceptance; free; how to ask."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop.printing.documents import DOCUMENTS, layout_of, pdf_of
from desktop.printing.papers import A4, PAPERS, ROLL58
from desktop.printing.receipt import NOT_ACCEPTANCE
from desktop.printing.wording import NO_FEE, yuan
from desktop.services.print_data import receipt_data
from sync.ledger.catalogue import load_catalogue
from sync.ledger.forms import draft_complete
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
    assert "材料已送交县市监局，是否受理、是否批准由县市监局决定" in text  # the handling unit decides
    assert "办件状态材料已送交" in text and "材料齐全后，代办点免费寄送" not in text  # no contradiction


def test_money_is_printed_in_yuan_with_two_decimals():
    assert yuan(8650) == "86.50 元" and yuan(5000) == "50.00 元" and yuan(1) == "0.01 元"
    assert yuan(123456789) == "1234567.89 元" and yuan(0) == "0.00 元"


def test_a_payment_gets_a_payment_slip_naming_what_was_paid_and_whose_notice_proves_it(store, catalogue):
    (recorded,) = store.append(
        make_case_draft(catalogue, item_code="FL003", amount="86.5", details={"account_no": "3602220417"})
    )
    text = squeezed(receipt_data(store, catalogue, recorded.body["case_id"]))
    assert text.startswith("浮梁县“乡村随身办”代缴凭条") and "代办收件回执" not in text
    assert "代缴金额86.50元" in text and "全额缴给县供电公司" in text
    assert "用电户号******0417" in text and "3602220417" not in text  # personal: masked on paper
    assert "以县供电公司发给您的缴费短信或票据为准" in text
    assert "已收到以下材料" not in text and "已收到的材料" not in text  # no materials disclaimer on a payment


def test_a_phone_top_up_names_the_number_and_only_the_chosen_operator(store, catalogue):
    (recorded,) = store.append(make_case_draft(catalogue, item_code="FL001", mobile="18607981234", amount="50"))
    text = squeezed(receipt_data(store, catalogue, recorded.body["case_id"]))
    assert "充值号码186****1234" in text and "运营商中国联通" in text and "收款单位联通浮梁分公司" in text
    assert "移动" not in text and "电信" not in text  # only the operator paid, not all three


@pytest.mark.parametrize("complete", [False, True])
def test_a_payments_status_and_next_step_never_contradict(store, catalogue, complete):
    (recorded,) = store.append(make_case_draft(catalogue, item_code="FL001", amount="50"))
    if complete:
        store.append(draft_complete(recorded.body["case_id"]))
    text = squeezed(receipt_data(store, catalogue, recorded.body["case_id"]))
    if complete:
        assert "办件状态已代缴" in text and "已当场代缴，款项全额缴给移动浮梁分公司" in text
    else:
        assert "办件状态已收款，正在代缴" in text and "缴好后会在台账里办结" in text
        assert "已当场代缴" not in text and "已登记" not in text


def test_cash_withdrawal_is_not_called_a_payment(store, catalogue):
    (recorded,) = store.append(
        make_case_draft(catalogue, item_code="FL012", amount="500", details={"card_tail": "0042"})
    )
    store.append(draft_complete(recorded.body["case_id"]))
    text = squeezed(receipt_data(store, catalogue, recorded.body["case_id"]), A4)
    assert "助农取现凭条" in text and "取现金额500.00元" in text and "银行卡号后四位：0042" in text
    assert "代缴" not in text and "现金当面点清交给您" in text


def test_a_case_under_the_old_catalogue_prints_without_the_new_fields(store):
    old = load_catalogue("2024.1")
    (recorded,) = store.append(make_case_draft(old, item_code="FL001", amount="30"))
    text = squeezed(receipt_data(store, load_catalogue(), recorded.body["case_id"]))
    assert "代缴凭条" in text and "30.00元" in text and "充值号码" not in text


def test_a_collection_receipt_keeps_its_disclaimer_and_follows_the_county(store, catalogue):
    item = catalogue.by_code("FL015")
    (recorded,) = store.append(
        make_case_draft(
            catalogue, item_code="FL015", amount=None, materials={m.code: "received" for m in item.guide.materials}
        )
    )
    text = squeezed(receipt_data(store, catalogue, recorded.body["case_id"]))
    assert "代办收件回执" in text and "".join(NOT_ACCEPTANCE.split()) in text and "办件状态已登记" in text


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
