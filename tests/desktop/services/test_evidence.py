"""Material images (材料影像) at the counter: compressed to a legible page, chained by hash, kept encrypted."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image
from sqlalchemy import update

from desktop.services import evidence
from desktop.services.case_detail import load_detail
from desktop.store import evidence as evidence_store
from desktop.store.engine import write
from desktop.store.schema import evidence as evidence_table
from sync.ledger.chain import ChainError, verify_chain
from sync.ledger.evidence import MAX_IMAGE_BYTES, EvidenceMismatch, image_hash
from sync.ledger.kinds import EventType
from tests.evidence_images import make_scan
from tests.factories import make_case_draft, reopen


def approval_case(counter):
    materials = {m.code: "received" for m in counter.catalogue.by_code("FL015").guide.materials}
    (recorded,) = counter.append(
        make_case_draft(counter.catalogue, item_code="FL015", amount=None, materials=materials)
    )
    return load_detail(counter, recorded.body["case_id"])


def test_a_300_dpi_scan_becomes_a_legible_a4_page_under_300_kb(counter, tmp_path):
    detail = approval_case(counter)
    scan = tmp_path / "scan.png"
    scan.write_bytes(make_scan(width=1860, height=2631, fmt="JPEG"))  # 225 dpi, as a phone saves it
    material = detail.item.guide.materials[0]

    attached = evidence.attach_file(counter, detail, material.code, scan)

    assert attached.type is EventType.EVIDENCE_ATTACHED
    data = evidence.image_bytes(counter, attached.seq)
    assert len(data) <= MAX_IMAGE_BYTES and attached.body["sha256"] == image_hash(data)
    with Image.open(io.BytesIO(data)) as page:
        assert page.format == "WEBP" and max(page.size) == evidence.PAGE_LONG_SIDE
    (row,) = evidence.images(counter, detail)
    assert row.material == material.name and row.uploaded == "待上传"
    assert "添加材料影像" in load_detail(counter, detail.case_id).timeline[-1].what


def test_a_material_not_on_the_checklist_or_a_non_image_is_refused_and_nothing_is_saved(counter, tmp_path):
    detail = approval_case(counter)
    head = counter.store.head()
    with pytest.raises(evidence.EvidenceError, match="不在这个事项的材料清单上"):
        evidence.attach_bytes(counter, detail, "no-such-material", make_scan(width=600, height=800))
    with pytest.raises(evidence.EvidenceError, match="不是能识别的图片"):
        evidence.attach_bytes(counter, detail, detail.item.guide.materials[0].code, b"%PDF-1.4 not an image")
    assert counter.store.head() == head and evidence.images(counter, detail) == []


def test_a_swapped_image_no_longer_matches_the_chained_event(counter):
    detail = approval_case(counter)
    code = detail.item.guide.materials[0].code
    first = evidence.attach_bytes(counter, detail, code, make_scan(seed=1, width=800, height=1100))
    other = evidence.attach_bytes(counter, detail, code, make_scan(seed=2, width=800, height=1100))
    stranger = evidence.image_bytes(counter, other.seq)
    with write(counter.store.engine) as conn:
        conn.execute(update(evidence_table).where(evidence_table.c.event_seq == first.seq).values(data=stranger))

    with pytest.raises(EvidenceMismatch):
        evidence.image_bytes(counter, first.seq)
    assert evidence_store.mismatched(counter.store) == [first.seq]

    # The event itself cannot be rewritten to fit (the log is append-only), and a copy of the log whose
    # event names the stranger's hash no longer chains.
    forged = [
        replace(ev, body={**ev.body, "sha256": image_hash(stranger)}) if ev.seq == first.seq else ev
        for ev in counter.store.events()
    ]
    with pytest.raises(ChainError):
        verify_chain(forged, device_id=counter.identity.device_id)


def test_images_survive_reopening_the_encrypted_ledger(counter):
    detail = approval_case(counter)
    attached = evidence.attach_bytes(
        counter, detail, detail.item.guide.materials[0].code, make_scan(width=800, height=1100)
    )
    raw = counter.store.layout.folder
    store, _report = reopen(counter.store)
    counter.store = store
    assert evidence_store.image_data(store, attached.seq)[8:12] == b"WEBP"
    ledger_bytes = b"".join(p.read_bytes() for p in raw.rglob("*.db*") if p.is_file())
    assert evidence.image_bytes(counter, attached.seq)[:64] not in ledger_bytes


def test_images_the_county_holds_are_erased_after_the_retention_time_and_the_chain_still_verifies(counter):
    from datetime import date

    detail = approval_case(counter)
    code = detail.item.guide.materials[0].code
    sent = evidence.attach_bytes(counter, detail, code, make_scan(seed=3, width=800, height=1100))
    waiting = evidence.attach_bytes(counter, detail, code, make_scan(seed=4, width=800, height=1100))
    evidence_store.record_sent(counter.store, sent.seq, sent.body["size"], done=True)

    assert evidence_store.purge_uploaded(counter.store, date(2026, 11, 27)) == 0  # recorded that day: kept
    assert evidence_store.purge_uploaded(counter.store, date(2027, 6, 1)) == 1
    rows = {row.seq: row for row in evidence.images(counter, detail)}
    assert not rows[sent.seq].kept and "从本机删除" in rows[sent.seq].uploaded
    assert rows[waiting.seq].kept  # the county does not hold it yet: never erased
    assert evidence_store.mismatched(counter.store) == []
    counter.store.verify()
