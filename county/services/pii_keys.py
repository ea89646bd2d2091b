"""The personal-data key ring (数据密钥) in the database, and changing keys without stopping the county.

- ``attach``: at start, give a ``PiiBox`` the ring; a database without one gets data keys 1 (the keys earlier
  versions derived from the master key), after checking that the master key opens what is already sealed.
- ``rotate_master``: after the new master key is configured (the old one as ``…_PII_KEY_PREVIOUS``), re-wrap the
  data keys under it: a few rows, no personal field touched.
- ``new_data_key``: a fresh random key of a purpose; every instance takes it up within ``RING_REFRESH``.
- ``reseal`` and ``rehash``: bring every row to the newest keys, one transaction per batch, while the county
  serves (a crash loses nothing: each row is either old or new, and both open).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, Table, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from county.config import ConfigError
from county.models import ApiClient, Case, Consultation, LedgerEvent, PiiKey, PointApplication, StaffUser
from county.services import webhooks
from county.services.common import audit, utcnow
from county.services.pii import LOOKUP, SEAL, PiiBox, PiiError, WrappedKey, event_pii, sealed_key_no

EVENTS, STAFF, CONSULT = LedgerEvent.__table__, StaffUser.__table__, Consultation.__table__
APPLY, CLIENTS = PointApplication.__table__, ApiClient.__table__
CASES: Table = Case.__table__  # type: ignore[assignment]


def _rows(engine: Engine) -> list[WrappedKey]:
    with Session(engine.execution_options(sqlite_deferred=True)) as session:  # a reader: never waits for a writer
        return [
            WrappedKey(row.purpose, row.key_no, row.wrapped, row.master_id)
            for row in session.scalars(select(PiiKey).order_by(PiiKey.purpose, PiiKey.key_no))
        ]


def attach(box: PiiBox, engine: Engine) -> PiiBox:
    """Give ``box`` the database's key ring, creating data keys 1 in a database that has none."""
    if not _rows(engine):
        _first_ring(box, engine)
    box.attach(lambda: _rows(engine))
    seal_clear_webhook_secrets(engine, box)
    return box


def seal_clear_webhook_secrets(engine: Engine, box: PiiBox) -> int:
    """Seal the webhook secrets that versions before migration 0026 kept in clear, and empty the clear column:
    one transaction, a handful of rows (a migration never holds the key). The count sealed."""
    clear = CLIENTS.c.webhook_secret
    with Session(engine.execution_options(sqlite_deferred=True)) as session:  # the usual case: nothing to do
        if session.scalar(select(CLIENTS.c.id).where(clear.is_not(None)).limit(1)) is None:
            return 0
    with Session(engine) as session:
        rows = session.execute(select(CLIENTS.c.id, clear.label("secret")).where(clear.is_not(None))).all()
        for row in rows:
            sealed = webhooks.seal_secret(box, row.id, row.secret)
            session.execute(
                update(CLIENTS)
                .where(CLIENTS.c.id == row.id, clear == row.secret)  # not one changed meanwhile
                .values(webhook_secret_sealed=sealed, webhook_secret=None)
            )
        audit(session, "system:start", "pii.seal_webhook_secrets", "api_client", rows=len(rows))
        session.commit()
    return len(rows)


def _first_ring(box: PiiBox, engine: Engine) -> None:
    with Session(engine) as session:
        newest = session.execute(
            select(EVENTS.c.event_id, EVENTS.c.pii_sealed)
            .where(EVENTS.c.pii_sealed.is_not(None))
            .order_by(EVENTS.c.id.desc())
            .limit(1)
        ).first()
        if newest is not None:
            try:
                box.open(newest.pii_sealed, newest.event_id)  # data key 1 is derived from this master key
            except PiiError as exc:
                raise ConfigError("这个个人信息密钥打不开数据库里已加密的记录：密钥不对，不能用它启动县级端。") from exc
        for purpose in (SEAL, LOOKUP):
            raw = box.master.legacy(purpose)
            session.add(_wrapped_row(box, purpose, 1, raw))
        try:
            session.commit()
        except IntegrityError:  # another instance starting at the same moment made them
            session.rollback()


def _wrapped_row(box: PiiBox, purpose: str, key_no: int, raw: bytes) -> PiiKey:
    return PiiKey(
        purpose=purpose,
        key_no=key_no,
        wrapped=box.master.wrap(purpose, key_no, raw),
        master_id=box.master.id,
        created_at=utcnow(),
    )


def rotate_master(session: Session, box: PiiBox, *, actor: str) -> int:
    """Re-wrap every data key not yet under the current master key; the count re-wrapped."""
    box.reload()
    moved = 0
    for row in session.scalars(select(PiiKey).where(PiiKey.master_id != box.master.id)):
        raw = box.ring.key(row.purpose, row.key_no)
        row.wrapped, row.master_id = box.master.wrap(row.purpose, row.key_no, raw), box.master.id
        moved += 1
    audit(session, actor, "pii.rotate_master", "pii_key", rewrapped=moved, master_id=box.master.id)
    return moved


def new_data_key(session: Session, box: PiiBox, purpose: str, *, actor: str) -> int:
    """A fresh random data key of ``purpose`` (``seal`` or ``lookup``); its number."""
    if purpose not in (SEAL, LOOKUP):
        raise ValueError(purpose)
    key_no = (session.scalar(select(func.max(PiiKey.key_no)).where(PiiKey.purpose == purpose)) or 0) + 1
    session.add(_wrapped_row(box, purpose, key_no, os.urandom(32)))
    audit(session, actor, "pii.new_key", f"pii_key:{purpose}", key_no=key_no)
    return key_no


@dataclass(frozen=True)
class Moved:
    rows: int  # rows brought to the newest key
    key_no: int  # that key


def reseal(engine: Engine, box: PiiBox, *, actor: str, batch: int = 500) -> Moved:
    """Re-seal personal fields (and consultation phones, applicants' agents, TOTP secrets) sealed by older data keys."""
    box.reload()
    active = box.ring.active(SEAL)
    done = sum(_walk(engine, box, batch, _resealer(place), active) for place in SEALED_COLUMNS)
    _record(engine, actor, "pii.reseal", rows=done, key_no=active)
    return Moved(done, active)


def rehash(engine: Engine, box: PiiBox, *, actor: str, batch: int = 500) -> Moved:
    """Recompute the ID look-up hashes made by older look-up keys with the newest one."""
    box.reload()
    active = box.ring.active(LOOKUP)
    done = _walk(engine, box, batch, _rehash_events, active)
    _record(engine, actor, "pii.rehash", rows=done, key_no=active)
    return Moved(done, active)


def _walk(engine: Engine, box: PiiBox, size: int, step, active: int) -> int:
    after = done = 0
    sessions = sessionmaker(engine)
    while True:
        with sessions() as session:
            last, changed = step(session, box, after, size, active)
            session.commit()
        if last == after:
            return done
        after, done = last, done + changed


@dataclass(frozen=True)
class SealedColumn:
    """A column holding values sealed by ``PiiBox.seal``, and the associated data each was sealed with."""

    table: Table
    column: str
    aad_column: str
    aad: Callable[[str], str]  # the associated data from the value of ``aad_column``


SEALED_COLUMNS = (
    SealedColumn(EVENTS, "pii_sealed", "event_id", lambda event_id: event_id),
    SealedColumn(STAFF, "totp_sealed", "id", lambda user_id: f"totp-{user_id}"),
    SealedColumn(CONSULT, "phone_sealed", "ref", lambda ref: f"consult-{ref}"),
    SealedColumn(APPLY, "agent_sealed", "ref", lambda ref: f"apply-{ref}"),
    SealedColumn(CLIENTS, "webhook_secret_sealed", "id", webhooks.secret_context),
)


def _resealer(place: SealedColumn):
    """One batch of ``place``'s values sealed by an older data key, re-sealed with the newest one."""
    table, column = place.table, place.table.c[place.column]

    def step(session: Session, box: PiiBox, after: int, size: int, active: int) -> tuple[int, int]:
        rows = session.execute(
            select(table.c.id, table.c[place.aad_column].label("aad"), column.label("sealed"))
            .where(table.c.id > after, column.is_not(None))
            .order_by(table.c.id)
            .limit(size)
        ).all()
        stale = [r for r in rows if sealed_key_no(r.sealed) != active]
        if stale:
            session.execute(
                update(table)
                .where(table.c.id == bindparam("key"), column.is_not(None))  # not one purged meanwhile
                .values({place.column: bindparam("resealed")}),
                [
                    {"key": r.id, "resealed": box.seal(box.open(r.sealed, place.aad(r.aad)), place.aad(r.aad))}
                    for r in stale
                ],
            )
        return (rows[-1].id if rows else after), len(stale)

    return step


def _rehash_events(session: Session, box: PiiBox, after: int, size: int, active: int) -> tuple[int, int]:
    rows = session.execute(
        select(EVENTS.c.id, EVENTS.c.event_id, EVENTS.c.pii, EVENTS.c.pii_sealed, EVENTS.c.type, EVENTS.c.case_id)
        .where(
            EVENTS.c.id > after,
            EVENTS.c.id_lookup.is_not(None),
            or_(EVENTS.c.lookup_key.is_(None), EVENTS.c.lookup_key != active),
        )
        .order_by(EVENTS.c.id)
        .limit(size)
    ).all()
    if rows:
        lookups = [{"key": r.id, "lookup": box.lookup_of(event_pii(box, r), key_no=active)} for r in rows]
        session.execute(
            update(EVENTS)
            .where(EVENTS.c.id == bindparam("key"))
            .values(id_lookup=bindparam("lookup"), lookup_key=active),
            lookups,
        )
        recorded = [  # the case keeps the recording event's hash for the fraud rules: rehashed with it
            {"case": r.case_id, "lookup": found["lookup"]}
            for r, found in zip(rows, lookups, strict=True)
            if r.type == "case.recorded" and r.case_id
        ]
        if recorded:
            session.execute(
                update(CASES).where(CASES.c.case_id == bindparam("case")).values(id_lookup=bindparam("lookup")),
                recorded,
            )
    return (rows[-1].id if rows else after), len(rows)


def _record(engine: Engine, actor: str, action: str, **detail) -> None:
    with Session(engine) as session:
        audit(session, actor, action, "pii_key", **detail)
        session.commit()


def ring_report(session: Session) -> list[tuple[str, int, str, int]]:
    """(purpose, number, master id, rows still sealed or hashed by it) for ``pii-keys``."""
    sealed: dict[int, int] = {}
    for (value,) in session.execute(select(EVENTS.c.pii_sealed).where(EVENTS.c.pii_sealed.is_not(None))):
        number = sealed_key_no(value)
        sealed[number] = sealed.get(number, 0) + 1
    hashed = dict(
        session.execute(
            select(func.coalesce(EVENTS.c.lookup_key, 1), func.count())
            .where(EVENTS.c.id_lookup.is_not(None))
            .group_by(func.coalesce(EVENTS.c.lookup_key, 1))
        ).all()
    )
    return [
        (row.purpose, row.key_no, row.master_id, (sealed if row.purpose == SEAL else hashed).get(row.key_no, 0))
        for row in session.scalars(select(PiiKey).order_by(PiiKey.purpose, PiiKey.key_no))
    ]
