"""Material images (材料影像) in the ledger file: stored with the event that names their hash, read back checked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, insert, select, update

from desktop.store.engine import read, write
from desktop.store.ledger import LedgerStore
from desktop.store.schema import case, event, evidence, outbox
from sync.images import PendingImage
from sync.ledger.events import Event, EventDraft, china_now, format_time
from sync.ledger.evidence import EvidenceMismatch, verify_image
from sync.ledger.kinds import OutboxState

PENDING, UPLOADED, PURGED = "pending", "uploaded", "purged"


@dataclass(frozen=True)
class StoredImage:
    """One attached image without its bytes: what the case page and the uploader need to know."""

    seq: int
    event_id: str
    case_id: str
    material: str
    sha256: str
    size: int
    media_type: str
    sent_bytes: int
    state: str
    attached_at: str


_COLUMNS = (
    evidence.c.event_seq,
    event.c.event_id,
    evidence.c.case_id,
    evidence.c.material,
    evidence.c.sha256,
    evidence.c.size,
    evidence.c.media_type,
    evidence.c.sent_bytes,
    evidence.c.state,
    event.c.occurred_at,
)


def _image(row) -> StoredImage:
    return StoredImage(*row)


def attach(store: LedgerStore, draft: EventDraft, data: bytes) -> Event:
    """Append the evidence.attached event and the image's bytes in one transaction (nothing half-written)."""
    verify_image(dict(draft.body), data)

    def keep(conn: Connection, sealed: list[Event]) -> None:
        (attached,) = sealed
        body = attached.body
        conn.execute(
            insert(evidence).values(
                event_seq=attached.seq,
                case_id=body["case_id"],
                material=body["material"],
                sha256=body["sha256"],
                size=body["size"],
                media_type=body["media_type"],
                data=data,
                sent_bytes=0,
                state=PENDING,
                updated_at=attached.occurred_at,
            )
        )

    (attached,) = store.append(draft, also=keep)
    return attached


def _select():
    return select(*_COLUMNS).join(event, event.c.seq == evidence.c.event_seq)


def images_of_case(store: LedgerStore, case_id: str) -> list[StoredImage]:
    with read(store.engine) as conn:
        rows = conn.execute(_select().where(evidence.c.case_id == case_id).order_by(evidence.c.event_seq)).all()
    return [_image(r) for r in rows]


def image_data(store: LedgerStore, seq: int) -> bytes:
    """The image's bytes, checked against the hash its chained event carries; raises EvidenceMismatch."""
    with read(store.engine) as conn:
        data = conn.execute(select(evidence.c.data).where(evidence.c.event_seq == seq)).scalar_one()
        body_json = conn.execute(select(event.c.body_json).where(event.c.seq == seq)).scalar_one()
    verify_image(json.loads(body_json), data)
    return data


def unsent(store: LedgerStore) -> list[StoredImage]:
    """Images the county has not confirmed yet, oldest first."""
    with read(store.engine) as conn:
        rows = conn.execute(_select().where(evidence.c.state == PENDING).order_by(evidence.c.event_seq)).all()
    return [_image(r) for r in rows]


def progress(store: LedgerStore) -> tuple[int, int, int]:
    """(images still to send, bytes confirmed of those, their total bytes) for the sync page."""
    with read(store.engine) as conn:
        count, sent, total = conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(evidence.c.sent_bytes), 0),
                func.coalesce(func.sum(evidence.c.size), 0),
            ).where(evidence.c.state == PENDING)
        ).one()
    return int(count), int(sent), int(total)


def record_sent(store: LedgerStore, seq: int, sent_bytes: int, *, done: bool = False) -> None:
    """Remember how far the county confirmed (survives a restart: the next run resumes from here)."""
    with write(store.engine) as conn:
        conn.execute(
            update(evidence)
            .where(evidence.c.event_seq == seq)
            .values(sent_bytes=sent_bytes, state=UPLOADED if done else PENDING, updated_at=format_time(china_now()))
        )


def mismatched(store: LedgerStore) -> list[int]:
    """Sequence numbers of images whose bytes no longer match their event (swapped or damaged)."""
    bad = []
    with read(store.engine) as conn:
        seqs = (
            conn.execute(select(evidence.c.event_seq).where(evidence.c.state != PURGED).order_by(evidence.c.event_seq))
            .scalars()
            .all()
        )
    for seq in seqs:
        try:
            image_data(store, seq)
        except EvidenceMismatch:
            bad.append(seq)
    return bad


def purge_uploaded(store: LedgerStore, before: date) -> int:
    """Erase the bytes of images the county holds whose case was recorded before ``before`` (retention ended);
    the row and the chained hash stay, so the history still verifies. Returns how many were erased."""
    old_cases = select(case.c.case_id).where(case.c.business_date < before.isoformat())
    with write(store.engine) as conn:
        return conn.execute(
            update(evidence)
            .where(evidence.c.state == UPLOADED, evidence.c.case_id.in_(old_cases))
            .values(data=b"", state=PURGED, updated_at=format_time(china_now()))
        ).rowcount


class StoreImagePort:
    """sync.images.ImagePort on the ledger: only images whose record the county acknowledged are offered, so
    an image never goes ahead of its evidence.attached event (and one whose record was refused never goes)."""

    def __init__(self, store: LedgerStore):
        self.store = store

    def unsent_images(self) -> list[PendingImage]:
        with read(self.store.engine) as conn:
            rows = conn.execute(
                select(evidence.c.event_seq, evidence.c.sha256, evidence.c.size, evidence.c.sent_bytes)
                .join(outbox, outbox.c.seq == evidence.c.event_seq)
                .where(evidence.c.state == PENDING, outbox.c.state == OutboxState.ACKED)
                .order_by(evidence.c.event_seq)
            ).all()
        return [PendingImage(*row) for row in rows]

    def image_bytes(self, seq: int) -> bytes:
        return image_data(self.store, seq)

    def record_sent(self, seq: int, sent_bytes: int, *, done: bool = False) -> None:
        record_sent(self.store, seq, sent_bytes, done=done)
