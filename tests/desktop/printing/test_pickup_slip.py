"""领取单: what the villager or a family member signs on taking a return mailing (部门回寄), read back from the PDF."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from desktop.printing.papers import PAPERS
from desktop.printing.pickup_slip import pickup_slip_pdf
from desktop.services.handover import HandoverForm, arrived, hand_over, pickup_slip_data
from desktop.services.print_handover import handover_data
from desktop.services.session import Counter
from desktop.settings import Settings
from desktop.store.sync_port import StoreSyncPort
from sync.ledger.events import CHINA_TZ
from sync.wire import PullItem
from tests.desktop.printing.pdftools import pdf_pages, pdf_text, png_pages
from tests.factories import make_case_draft

MAILING_ID = "0" * 31 + "1"
NOW = datetime(2026, 11, 28, 10, 30, tzinfo=CHINA_TZ)


def _counter_with_return_mailing(store, catalogue, tmp_path) -> Counter:
    counter = Counter(store, catalogue, Settings(tmp_path / "data"), clock=lambda: NOW)
    materials = {m.code: "received" for m in catalogue.by_code("FL015").guide.materials}
    case = counter.append(make_case_draft(item_code="FL015", amount=None, materials=materials, name="欧阳建国"))[0]
    payload = {
        "mailing_id": MAILING_ID,
        "case_id": case.body["case_id"],
        "receipt_no": case.body["receipt_no"],
        "unit_code": "scjg",
        "tracking_no": "EA123456785CN",
        "contents": "营业执照正本 1 份",
        "mailed_at": "2026-11-27T10:00:00.000+08:00",
    }
    item = PullItem(cursor=7, kind="return_mailing", created_at="2026-11-27T02:00:00Z", payload=payload)
    assert StoreSyncPort(store).store_pulled([item], 7) == 1
    arrived(counter, MAILING_ID)
    return counter


def squeezed(pdf: bytes) -> str:
    return "".join(pdf_text(pdf).split())


def test_before_hand_over_the_slip_leaves_date_and_receiver_to_fill_in(store, catalogue, tmp_path):
    counter = _counter_with_return_mailing(store, catalogue, tmp_path)
    text = squeezed(
        pickup_slip_pdf(pickup_slip_data(counter.store, counter.catalogue, MAILING_ID, printed_at=NOW), PAPERS["a4"])
    )
    assert "部门回寄领取单" in text and "营业执照正本1份" in text and "EA123456785CN" in text
    assert "寄件部门县市监局" in text and "寄出日期2026年11月27日" in text
    assert "□群众本人□家属代领" in text and "领取人签名" in text and "代办员签名" in text
    assert "欧***" in text and "欧阳建国" not in text  # the applicant masked


def test_after_hand_over_the_slip_names_the_day_and_the_family_member_masked(store, catalogue, tmp_path):
    counter = _counter_with_return_mailing(store, catalogue, tmp_path)
    hand_over(counter, MAILING_ID, HandoverForm(receiver="family", receiver_name="龚德䶮", signed=True))
    shots = Path(os.environ.get("SUISHENBAN_SHOTS") or tmp_path)
    for key, paper in PAPERS.items():
        pdf = pickup_slip_pdf(pickup_slip_data(counter.store, counter.catalogue, MAILING_ID, printed_at=NOW), paper)
        text = squeezed(pdf)
        assert "领取日期2026年11月28日" in text and "领取人家属代领：龚**" in text, key
        assert "龚德䶮" not in text and pdf_pages(pdf) == 1, key
        folder = shots / f"pickup-slip-{key}"
        folder.mkdir(parents=True, exist_ok=True)
        assert png_pages(pdf, folder, dpi=60), key


def test_the_hand_over_list_of_a_stopped_point_keeps_a_return_mailing_only_until_it_is_handed_over(
    store, catalogue, tmp_path
):
    counter = _counter_with_return_mailing(store, catalogue, tmp_path)
    (listed,) = handover_data(store, catalogue, reason="").mailings
    assert listed.state_label == "已到代办点"
    hand_over(counter, MAILING_ID, HandoverForm(receiver="self", signed=False))
    assert handover_data(store, catalogue, reason="").mailings == ()
