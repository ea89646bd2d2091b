"""The case page's device and chain check (设备与校验): the device that recorded a case and whether the case's
own ledger events still agree with that device's hash chain (哈希链).

Each accepted event of the case is hashed again from its stored columns with the chain's own sealing
(sync/ledger/chain.py), its previous event taken from the device's chain by one indexed read of
(device, seq). The county keeps no separate copy of an event's previous hash: it is inside the hash. So a
mismatch is told apart by the previous event itself: if that one is missing, or no longer agrees with its own
stored hash, the link is what broke (与前一条记录接不上); otherwise the event's own content was changed
(内容被改动). Only the events around the case are read, never the device's whole chain.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.models import Case, Device, LedgerEvent, Point, TamperFlag
from sync.ledger.chain import GENESIS_HASH, sealed

CHANGED = "内容被改动"
UNLINKED = "与前一条记录接不上"
TAMPER_KINDS = {"conflict": "同步时发现本机账本与县里已收到的记录不一致"}


@dataclass(frozen=True)
class Failure:
    """One record of the case that does not verify: its place in the device's chain and why."""

    seq: int
    type: str
    occurred_at: str
    reason: str  # CHANGED | UNLINKED
    detail: str  # plain Chinese, for the page


@dataclass(frozen=True)
class Flag:
    seq: int
    kind: str  # plain Chinese
    created_at: datetime


@dataclass(frozen=True)
class ChainCheck:
    device: Device | None
    point: Point | None
    checked: int  # accepted events of the case that were verified
    failures: list[Failure]
    flags: list[Flag]  # the device's unresolved tamper flags

    @property
    def ok(self) -> bool:
        return not self.failures


def _hash_of(row: LedgerEvent, prev_hash: str) -> str | None:
    """The hash the chain gives the stored event after ``prev_hash``; None when the stored columns no longer
    make an event at all (a type or value the chain cannot seal)."""
    try:
        return sealed(
            event_id=row.event_id,
            device_id=row.device_id,
            seq=row.seq,
            event_type=row.type,
            occurred_at=row.occurred_at,
            body=dict(row.body),
            prev_hash=prev_hash,
            digests=dict(row.pii_digests or {}),
        ).hash
    except (TypeError, ValueError):
        return None


def _agrees(row: LedgerEvent, prev_hash: str) -> bool:
    again = _hash_of(row, prev_hash)
    return again is not None and hmac.compare_digest(again, row.hash)


def _neighbours(db: Session, device_id: str, seqs: set[int]) -> dict[int, LedgerEvent]:
    """The device's events at ``seqs``, through the (device, seq) unique index."""
    if not seqs:
        return {}
    found = db.scalars(select(LedgerEvent).where(LedgerEvent.device_id == device_id, LedgerEvent.seq.in_(seqs)))
    return {row.seq: row for row in found}


def check(db: Session, case: Case, rows: list[LedgerEvent], labels: dict[str, str] | None = None) -> ChainCheck:
    """Verify the case's accepted events (``rows``: the case's ledger rows, as the page already read them)."""
    labels = labels or {}
    device = db.get(Device, case.device_id)
    point = db.get(Point, device.point_id) if device is not None else None
    own = [row for row in rows if row.status == "accepted"]
    known = {row.seq: row for row in rows}
    wanted = {s for row in own for s in (row.seq - 1, row.seq - 2) if s >= 1 and s not in known}
    known.update(_neighbours(db, case.device_id, wanted))

    def prev_hash(seq: int) -> str | None:
        if seq <= 1:
            return GENESIS_HASH
        before = known.get(seq - 1)
        return before.hash if before is not None else None

    def _intact(seq: int) -> bool:
        """The event at ``seq`` still agrees with its own stored hash after its own predecessor."""
        before = prev_hash(seq)
        return before is not None and _agrees(known[seq], before)

    failures = []
    for row in own:
        what = labels.get(row.type, row.type)
        before = prev_hash(row.seq)
        if before is None:
            failures.append(
                Failure(row.seq, what, row.occurred_at, UNLINKED, f"县里的账本中找不到它前面的第 {row.seq - 1} 条记录")
            )
        elif _agrees(row, before):
            continue
        elif row.seq == 1 or _intact(row.seq - 1):
            failures.append(
                Failure(row.seq, what, row.occurred_at, CHANGED, "存下的内容与它当初的哈希值对不上，记录被改过")
            )
        else:
            failures.append(
                Failure(row.seq, what, row.occurred_at, UNLINKED, f"它前面的第 {row.seq - 1} 条记录已被改动，链条断开")
            )
    flags = [
        Flag(f.seq, TAMPER_KINDS.get(f.kind, f.kind), f.created_at)
        for f in db.scalars(
            select(TamperFlag)
            .where(TamperFlag.device_id == case.device_id, TamperFlag.resolved_at.is_(None))  # indexed
            .order_by(TamperFlag.id)
        )
    ]
    return ChainCheck(device, point, len(own), failures, flags)
