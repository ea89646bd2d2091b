"""The change sequence of cases (变更序号): the data exchange's cursor, stable while ingest runs.

A case that a transaction creates or changes is ``touch``-ed; just before that transaction commits, each touched
case gets the next numbers of one counter row (``change_counter``), which the transaction updates and so keeps
locked until it commits or rolls back. The next transaction to stamp waits for that lock, so numbers are handed
out in commit order: when a reader sees number n committed, every smaller number is committed too or was never
committed (a rolled-back transaction's numbers are gaps, never filled later). A reader walking ``change_seq >
cursor`` in order therefore skips no case, however ingest interleaves (docs/data-api.md, "Why the cursor is
safe"). A case changed again gets a new, larger number and is delivered again, with its new state.

The lock is held only from the stamp to the commit: one ``UPDATE`` of the counter and one of the touched cases,
and, when some API client has a webhook, the raise of its notification outbox (county/services/webhooks.py).
On SQLite every writer already passes the write gate one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from county.models import Case, ChangeCounter
from county.services import bulk, webhooks

PENDING = "changed_cases"  # session.info key: the case ids this transaction touched
CASE_TABLE = Case.__table__


def touch(session: Session, case_ids: Iterable[str]) -> None:
    """Mark cases as changed by this transaction; they are stamped when it commits."""
    session.info.setdefault(PENDING, set()).update(case_ids)


def stamp(session: Session) -> int:
    """Give every touched case its place in the sequence (called by the commit; returns how many)."""
    pending = sorted(session.info.pop(PENDING, ()))
    if not pending:
        return 0
    session.flush()  # the cases themselves first: a new case's row must exist to be stamped
    # Their rows locked before the counter: a transaction holding the counter never waits for a case row that
    # another one holds while that one waits for the counter (a case touched without being updated, an
    # amendment of personal fields only, is not locked yet).
    session.execute(
        select(CASE_TABLE.c.case_id)
        .where(CASE_TABLE.c.case_id.in_(pending))
        .order_by(CASE_TABLE.c.case_id)
        .with_for_update()
    ).all()
    counter = ChangeCounter.__table__
    session.execute(update(counter).where(counter.c.id == 1).values(value=counter.c.value + len(pending)))
    last = session.scalar(select(counter.c.value).where(counter.c.id == 1))
    first = last - len(pending) + 1
    stamped = [(case_id, first + n) for n, case_id in enumerate(pending)]
    bulk.update_rows(
        session, CASE_TABLE, "case_id", [{"case_id": case_id, "change_seq": seq} for case_id, seq in stamped]
    )
    webhooks.enqueue(session, stamped)  # still under the counter's lock: one writer raises the outbox at a time
    return len(pending)


@event.listens_for(Session, "before_commit")
def _stamp_before_commit(session: Session) -> None:
    stamp(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, _previous) -> None:
    session.info.pop(PENDING, None)
