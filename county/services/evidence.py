"""Material images (材料影像) at the county: resumable uploads by device, reads by staff in scope, retention.

A device may send only images that one of its accepted ``evidence.attached`` events names; the rows are made
when those events are ingested (county/services/cases.py), so an image can never arrive ahead of its event.
Staff see an image only on a case their scope shows them (county/services/scope.py); every view is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import Case, EvidenceImage
from county.services.common import audit, utcnow
from county.services.evidence_files import HashMismatch, ImageStore, OffsetMismatch, StoreUnavailable
from county.services.pii import PiiBox, PiiError
from county.services.scope import Scope
from sync.ledger.catalogue import load_catalogue


@dataclass(frozen=True)
class Upload:
    """How far an upload stands: the image's size, the bytes the county holds, whether it is stored."""

    size: int
    received: int
    complete: bool

    def answer(self) -> dict:
        return {"size": self.size, "received": self.received, "complete": self.complete}


def _rows(session: Session, device_id: str, sha256: str) -> list[EvidenceImage]:
    rows = session.scalars(
        select(EvidenceImage).where(
            EvidenceImage.device_id == device_id, EvidenceImage.sha256 == sha256, EvidenceImage.purged_at.is_(None)
        )
    ).all()
    if not rows:
        raise CountyError(
            Refusal.NOT_FOUND,
            "unknown_image",
            "县里还没有收到登记这张材料影像的台账记录：会先上传台账记录，再上传影像。",
        )
    return list(rows)


def upload_state(
    session: Session, device_id: str, sha256: str, folder: ImageStore, box: PiiBox | None = None
) -> Upload:
    """How far the upload stands. With ``box``, an upload that is whole but not yet sealed into the store (the
    store was out of reach when its last chunk came) is sealed now."""
    rows = _rows(session, device_id, sha256)
    size = rows[0].size
    if any(row.stored_at is not None for row in rows) or _has(folder, sha256):
        return Upload(size, size, True)
    received = folder.received(device_id, sha256)
    if box is not None and received == size:
        return _seal(folder, device_id, sha256, size, box)
    return Upload(size, received, False)


def _unavailable() -> CountyError:
    return CountyError(
        Refusal.BUSY,
        "image_store_unavailable",
        "县里的影像存储暂时连不上，已收到的部分会保留，稍后会接着传。",
        retry_after=60,
    )


def _has(folder: ImageStore, sha256: str) -> bool:
    """Whether the store holds the image; a store out of reach is taken as "not yet": chunks still go to the
    local partial file, and only sealing the whole waits for the store."""
    try:
        return folder.has(sha256)
    except StoreUnavailable:
        return False


def _seal(folder: ImageStore, device_id: str, sha256: str, size: int, box: PiiBox) -> Upload:
    try:
        folder.finish(device_id, sha256, box)
    except StoreUnavailable:
        raise _unavailable() from None  # the partial stays whole: the next GET seals it
    except HashMismatch:
        raise CountyError(
            Refusal.INVALID,
            "image_mismatch",
            "传到县里的影像与台账登记的校验值不一致，已丢弃，会重新上传。",
        ) from None
    return Upload(size, size, True)


def receive(
    session: Session,
    device_id: str,
    sha256: str,
    *,
    offset: int,
    total: int,
    data: bytes,
    folder: ImageStore,
    box: PiiBox,
) -> Upload:
    """Add one chunk; when the image is whole and its hash is right, seal it into the store (the caller then marks
    it stored with ``mark_stored`` in a write transaction: chunks themselves need none)."""
    state = upload_state(session, device_id, sha256, folder)
    if total != state.size:
        raise CountyError(Refusal.INVALID, "bad_range", "影像大小与台账记录不一致，已拒收。")
    if state.complete:
        return state
    if offset + len(data) > state.size or not data:
        raise CountyError(Refusal.INVALID, "bad_range", "上传的影像片段超出了影像大小，已拒收。")
    try:
        received = folder.append(device_id, sha256, offset, data, box)
    except OffsetMismatch as exc:
        raise CountyError(
            Refusal.CONFLICT,
            "offset",
            "县里收到的影像长度与这次上传的起点不一致，会从县里已收到的位置接着传。",
            resend_from=exc.received,
        ) from None
    if received < state.size:
        return Upload(state.size, received, False)
    return _seal(folder, device_id, sha256, state.size, box)


def receive_whole(
    session: Session, device_id: str, images: list[tuple[str, bytes]], folder: ImageStore, box: PiiBox
) -> list[str]:
    """Keep whole images that came another way than chunks (a sync file), each already checked against its hash:
    only those an accepted event of this device names, at the size it gives; returns the hashes kept (marked
    stored; the caller commits). Others are left out: their event was refused, or names another size."""
    kept = []
    for sha256, data in images:
        rows = session.scalars(
            select(EvidenceImage).where(
                EvidenceImage.device_id == device_id,
                EvidenceImage.sha256 == sha256,
                EvidenceImage.purged_at.is_(None),
            )
        ).all()
        if not rows or rows[0].size != len(data):
            continue
        if all(row.stored_at is None for row in rows):
            try:
                folder.put_whole(device_id, sha256, data, box)
            except StoreUnavailable:
                raise _unavailable() from None
            mark_stored(session, device_id, sha256)
        kept.append(sha256)
    return kept


def mark_stored(session: Session, device_id: str, sha256: str) -> None:
    """Record that the image is whole in the store (idempotent; the caller commits)."""
    session.execute(
        update(EvidenceImage)
        .where(EvidenceImage.device_id == device_id, EvidenceImage.sha256 == sha256, EvidenceImage.stored_at.is_(None))
        .values(received=EvidenceImage.size, stored_at=utcnow())
    )


@dataclass(frozen=True)
class CaseImage:
    """One image as the case page lists it."""

    event_id: str
    material: str  # the material's name on the item's checklist
    size_kb: int
    attached_at: str
    stored: bool
    purged: bool


def of_case(session: Session, case: Case) -> list[CaseImage]:
    """The case's images (the caller has checked the case is in the viewer's scope)."""
    names = {m.code: m.name for m in load_catalogue().by_code(case.item_code).guide.materials}
    rows = session.scalars(
        select(EvidenceImage).where(EvidenceImage.case_id == case.case_id).order_by(EvidenceImage.attached_at)
    ).all()
    return [
        CaseImage(
            row.event_id,
            names.get(row.material, row.material),
            row.size // 1024 + 1,
            row.attached_at[:16].replace("T", " "),
            row.stored_at is not None and row.purged_at is None,
            row.purged_at is not None,
        )
        for row in rows
    ]


def view(
    session: Session, scope: Scope, actor: str, case_id: str, event_id: str, folder: ImageStore, box: PiiBox
) -> tuple[bytes, str]:
    """The image's bytes and type for a viewer whose scope shows the case; the view is audited (same transaction)."""
    case = scope.case(session, case_id)
    row = session.get(EvidenceImage, event_id[:40]) if case is not None else None
    if row is None or row.case_id != case.case_id or row.stored_at is None or row.purged_at is not None:
        raise CountyError(Refusal.NOT_FOUND, "no_image", "没有找到这张材料影像，或它不在你的工作范围内。")
    try:
        data = folder.read(row.sha256, box)
    except StoreUnavailable as exc:
        raise CountyError(
            Refusal.BUSY, "image_store_unavailable", "县里的影像存储暂时连不上，请稍后再看。", retry_after=60
        ) from exc
    except (OSError, HashMismatch, PiiError) as exc:  # missing, or swapped for another file: never shown
        raise CountyError(
            Refusal.NOT_FOUND, "image_unreadable", "这张材料影像在县里的存储中读不出或已损坏，请联系县政务服务管理局。"
        ) from exc
    audit(session, actor, "evidence.view", f"case:{case.case_id}", receipt_no=case.receipt_no, image=event_id)
    return data, row.media_type


def purge_closed(session: Session, folder: ImageStore, closed_case_ids: set[str]) -> int:
    """Remove the images of these cases (closed and past retention); returns how many rows were purged."""
    if not closed_case_ids:
        return 0
    rows = session.scalars(
        select(EvidenceImage).where(
            EvidenceImage.case_id.in_(sorted(closed_case_ids)), EvidenceImage.purged_at.is_(None)
        )
    ).all()
    now = utcnow()
    for row in rows:
        row.purged_at = now
        folder.drop_partial(row.device_id, row.sha256)  # an upload that never finished goes too
    session.flush()
    for sha in {row.sha256 for row in rows}:
        still = session.scalar(
            select(EvidenceImage.event_id)
            .where(EvidenceImage.sha256 == sha, EvidenceImage.purged_at.is_(None))
            .limit(1)
        )
        if still is None:
            folder.remove(sha)
    return len(rows)


def expired_cases(session: Session, cutoff: date) -> set[str]:
    """Closed cases recorded before ``cutoff`` that still have images."""
    from county.services.retention import CLOSED_CASE_STATES

    return set(
        session.scalars(
            select(Case.case_id)
            .join(EvidenceImage, EvidenceImage.case_id == Case.case_id)
            .where(
                Case.state.in_([s.value for s in CLOSED_CASE_STATES]),
                Case.business_date < cutoff.isoformat(),
                EvidenceImage.purged_at.is_(None),
            )
        )
    )
