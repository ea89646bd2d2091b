"""``suishenban-county encrypt-pii``: seal the personal fields that rows from before migration 0004 hold in clear.

One transaction per batch (a crash leaves every row either clear or sealed, never half; running it again goes
on where it stopped). Afterwards the freed space is rewritten: on SQLite ``secure_delete`` zeroes what the
updates free, the file is vacuumed and its WAL truncated; on PostgreSQL ``VACUUM FULL ledger_event`` drops the
old row versions. Backups and WAL archives made before still hold the clear values until they expire
(docs/deployment.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, null, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from county.models import LedgerEvent
from county.services.common import audit
from county.services.pii import PiiBox, PiiError

EVENTS = LedgerEvent.__table__


@dataclass(frozen=True)
class Sealed:
    rows: int
    batches: int


def _batch(session: Session, box: PiiBox, size: int) -> int:
    rows = session.execute(
        select(EVENTS.c.id, EVENTS.c.event_id, EVENTS.c.pii, EVENTS.c.pii_sealed)
        .where(EVENTS.c.pii.is_not(None))
        .order_by(EVENTS.c.id)
        .limit(size)
    ).all()
    if not rows:
        return 0
    params = []
    for row in rows:
        columns = box.columns(row.pii, row.event_id) if row.pii else {"pii_sealed": None, "id_lookup": None}
        if row.pii_sealed is not None:  # sealed already (a push of the same event after 0004): keep that copy
            columns = {"pii_sealed": row.pii_sealed, "id_lookup": box.lookup_of(box.open(row.pii_sealed, row.event_id))}
        params.append({"key": row.id, "sealed": columns["pii_sealed"], "lookup": columns["id_lookup"]})
    session.execute(
        update(EVENTS)
        .where(EVENTS.c.id == bindparam("key"))
        .values(pii=null(), pii_sealed=bindparam("sealed"), id_lookup=bindparam("lookup")),
        params,
    )
    return len(rows)


def encrypt_clear_rows(engine: Engine, box: PiiBox, *, actor: str, batch: int = 500) -> Sealed:
    sqlite = engine.dialect.name == "sqlite"
    sessions = sessionmaker(engine)
    total = batches = 0
    while True:
        with sessions() as session:
            if sqlite:
                session.execute(text("PRAGMA secure_delete=ON"))
            done = _batch(session, box, batch)
            if not done:
                break
            total, batches = total + done, batches + 1
            session.commit()
    with sessions() as session:
        audit(session, actor, "pii.encrypt", "ledger_event", rows=total, batches=batches)
        session.commit()
    _rewrite_free_space(engine)
    return Sealed(total, batches)


def check_key(session: Session, box: PiiBox, sample: int = 20) -> tuple[int, int]:
    """(opened, tried) over the newest sealed rows: does this key open what the database holds?"""
    rows = session.execute(
        select(EVENTS.c.event_id, EVENTS.c.pii_sealed)
        .where(EVENTS.c.pii_sealed.is_not(None))
        .order_by(EVENTS.c.id.desc())
        .limit(sample)
    ).all()
    opened = 0
    for row in rows:
        try:
            box.open(row.pii_sealed, row.event_id)
            opened += 1
        except PiiError:
            pass
    return opened, len(rows)


def _rewrite_free_space(engine: Engine) -> None:
    """No copy of a clear value left in the database's free pages or old row versions."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            raw = connection.connection.driver_connection
            raw.execute("PRAGMA secure_delete=ON")
            raw.execute("VACUUM")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif engine.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM FULL ledger_event")
