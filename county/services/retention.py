"""Retention of personal fields (个人信息保存期限): purge them once the county no longer needs them.

The county keeps a villager's personal fields (name, ID number, phone, address, item fields such as the number
topped up) only while a case may still need them. An event's personal fields are purged when

- its case is closed (办结, 退回 or 作废) and the case was recorded (登记日期) more than the retention period
  ago — an open case keeps them however old it is;
- its mailing was delivered (已妥投) and was recorded more than the period ago;
- it belongs to neither (an event the county rejected) and it was received more than the period ago;

and a consultation's phone (咨询 留的电话) once it was answered more than the period ago. The material images
(材料影像) of the same closed cases are deleted from the image store, their rows kept as purged.

Purging clears the sealed fields, the ID look-up hash and the salt of the field digests. The salted digests
themselves stay, because the device's hash chain covers them: the chain still verifies, and without the salt a
digest no longer links to a person. The case itself — item, point, dates, states, points — is untouched, so
counts, points statements and settlements stay exactly as they were (docs/privacy.md).

One transaction per batch: a crash leaves each event either whole or purged, and running it again goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, bindparam, null, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from county.models import Case, Consultation, LedgerEvent, Mailing
from county.services.common import audit, utcnow
from county.services.evidence_files import ImageStore
from sync.clock import CHINA_TZ
from sync.ledger.kinds import CaseState, MailingState

EVENTS = LedgerEvent.__table__
CLOSED_CASE_STATES = (CaseState.COMPLETED, CaseState.RETURNED, CaseState.VOIDED)
HAS_PERSONAL = or_(EVENTS.c.pii_sealed.is_not(None), EVENTS.c.pii.is_not(None), EVENTS.c.pii_salt.is_not(None))


@dataclass(frozen=True)
class Purged:
    events: int  # events whose personal fields were purged
    kept: int  # events with personal fields still needed (an open case, or inside the period)
    cutoff: date  # recorded before this day (and closed) means purged
    phones: int = 0  # consultations' phones purged
    images: int = 0  # material images deleted (材料影像)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)


def cutoff_for(today: date, retention_days: int) -> date:
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    return today - timedelta(days=retention_days)


def _states(session: Session, model, key, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = session.execute(select(key, model.state, model.business_date).where(key.in_(ids)))
    return {row[0]: (row[1], row[2]) for row in rows}


def _expired(row, cases, mailings, cutoff: date) -> bool:
    cutoff_text = cutoff.isoformat()
    case_id, mailing_id = row.body.get("case_id"), row.body.get("mailing_id")
    if case_id and case_id in cases:
        state, recorded = cases[case_id]
        return state in CLOSED_CASE_STATES and recorded < cutoff_text
    if mailing_id and mailing_id in mailings:
        state, recorded = mailings[mailing_id]
        return state == MailingState.DELIVERED and recorded < cutoff_text
    return row.received_at.date() < cutoff  # a rejected record: its case or mailing is not at the county


def _batch(session: Session, after: int, size: int, cutoff: date) -> tuple[int, int, int]:
    """(last id seen, purged, kept) for the next ``size`` events holding personal fields after ``after``."""
    rows = session.execute(
        select(EVENTS.c.id, EVENTS.c.body, EVENTS.c.received_at)
        .where(EVENTS.c.id > after, HAS_PERSONAL)
        .order_by(EVENTS.c.id)
        .limit(size)
    ).all()
    if not rows:
        return after, 0, 0
    cases = _states(session, Case, Case.case_id, (r.body.get("case_id") for r in rows if r.body.get("case_id")))
    mailings = _states(
        session, Mailing, Mailing.mailing_id, (r.body.get("mailing_id") for r in rows if r.body.get("mailing_id"))
    )
    gone = [r for r in rows if _expired(r, cases, mailings, cutoff)]
    expired = [{"key": r.id} for r in gone]
    if expired:
        session.execute(
            update(EVENTS)
            .where(EVENTS.c.id == bindparam("key"))
            .values(pii=null(), pii_sealed=null(), id_lookup=null(), pii_salt=null()),
            expired,
        )
        case_ids = sorted({r.body["case_id"] for r in gone if r.body.get("case_id")})
        if case_ids:  # the case's copy of the applicant's look-up hash (the fraud rules') goes with the event's
            session.execute(update(Case).where(Case.case_id.in_(case_ids)).values(id_lookup=None))
    return rows[-1].id, len(expired), len(rows) - len(expired)


def purge_expired(
    engine: Engine,
    *,
    today: date,
    retention_days: int,
    actor: str,
    batch: int = 500,
    images: ImageStore | None = None,
) -> Purged:
    """Purge every expired event's personal fields, batch by batch, and with ``images`` the material images of
    the same closed cases (files deleted, rows kept as purged); audited with the counts only."""
    cutoff = cutoff_for(today, retention_days)
    sessions = sessionmaker(engine)
    after = purged = kept = 0
    while True:
        with sessions() as session:
            if engine.dialect.name == "sqlite":
                session.execute(text("PRAGMA secure_delete=ON"))  # freed pages are zeroed, not left readable
            last, done, left = _batch(session, after, batch, cutoff)
            if last == after:
                break
            session.commit()
        after, purged, kept = last, purged + done, kept + left
    with sessions() as session:
        phones = session.execute(
            update(Consultation)
            .where(Consultation.phone_sealed.is_not(None), Consultation.answered_at < _start_of(cutoff))
            .values(phone_sealed=None)
        ).rowcount
        session.commit()
    removed = 0
    if images is not None:
        from county.services import evidence

        with sessions() as session:
            removed = evidence.purge_closed(session, images, evidence.expired_cases(session, cutoff))
            session.commit()
    with sessions() as session:
        audit(
            session,
            actor,
            "pii.purge",
            "ledger_event",
            purged=purged,
            kept=kept,
            phones=phones,
            images=removed,
            cutoff=cutoff.isoformat(),
            retention_days=retention_days,
            at=utcnow().isoformat(),
        )
        session.commit()
    return Purged(purged, kept, cutoff, phones, removed)
