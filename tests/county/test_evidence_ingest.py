"""The county re-checks every evidence.attached record with the shared rules and keeps one row per image."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from county.models import EvidenceImage
from sync.clock import china_today
from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import EventDraft
from sync.ledger.evidence import image_hash
from sync.ledger.forms import draft_evidence, draft_void
from sync.ledger.kinds import EventType
from sync.ledger.receipts import format_receipt_no
from tests.county.test_ingest_rules import enrolled, push, request_for, sealed_chain
from tests.factories import make_case_draft

ITEM = load_catalogue().by_code("FL015")


def _case(point_code: str, device_no: int, serial: int) -> EventDraft:
    draft = make_case_draft(
        item_code="FL015", amount=None, materials={m.code: "received" for m in ITEM.guide.materials}
    )
    receipt = format_receipt_no(point_code, china_today(), device_no, serial)
    return replace(draft, body={**draft.body, "receipt_no": receipt})


def _image(case_id: str, material: str, data: bytes) -> EventDraft:
    body = {
        "case_id": case_id,
        "material": material,
        "sha256": image_hash(data),
        "size": len(data),
        "media_type": "image/webp",
    }
    return EventDraft(EventType.EVIDENCE_ATTACHED, body)


def test_images_of_a_case_are_kept_and_wrong_ones_refused_with_reasons(county):
    token, point_code, device_no = enrolled(county)
    device_id = token.split(".")[0]
    kept, voided = _case(point_code, device_no, 1), _case(point_code, device_no, 2)
    kept_id, voided_id = kept.body["case_id"], voided.body["case_id"]
    material = ITEM.guide.materials[0].code
    good = draft_evidence(kept_id, material, image_hash(b"page-1"), 6, "image/webp", ITEM)
    drafts = [
        kept,
        voided,
        good,
        _image(kept_id, "not-on-the-list", b"page-2"),  # a material the item does not ask for
        _image("0" * 32, material, b"page-3"),  # a case the county never heard of
        draft_void(voided_id, "群众取消办理"),
        _image(voided_id, material, b"page-4"),  # after the void
    ]
    result = push(county, token, request_for(device_id, sealed_chain(device_id, drafts)))
    assert result.accepted == [[1, 3], [6, 6]]
    assert {r.seq: r.code for r in result.rejected} == {4: "invalid", 5: "unknown_case", 7: "lifecycle"}
    assert "材料清单" in next(r.message for r in result.rejected if r.seq == 4)
    with county.session() as session:
        rows = session.scalars(select(EvidenceImage)).all()
    assert [(r.case_id, r.material, r.sha256, r.size, r.stored_at) for r in rows] == [
        (kept_id, material, image_hash(b"page-1"), 6, None)
    ]
