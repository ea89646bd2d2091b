"""The activation-code throttle (激活码限流): per install, per client address, per code, and a county-wide alert.

Counted are failed attempts in a sliding window (``Limits.enrol_window_seconds``). Rural counters reach the
county through mobile carriers' NAT, many behind one address, so the tightest limit is on one *install*: the
client address together with the Ed25519 key each counter makes before it enrols (``signing_key``). One
shopkeeper's typos then make only her own counter wait, never her neighbours'. A looser limit per address
stops whoever rotates keys; a limit per code stops the same code being tried again and again from anywhere.
Past the county-wide budget nobody is locked out: the bureau is alerted (an audit row, a WARNING line, and
``suishenban-county alerts``). The address is the TCP peer unless the peer is a configured trusted proxy
(``SUISHENBAN_COUNTY_TRUSTED_PROXIES``, see docs/deployment.md); X-Forwarded-For from anyone else is ignored.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from county.config import Limits
from county.errors import CountyError, Refusal
from county.models import AuditLog, EnrolFailure
from county.services.common import audit, utcnow

log = logging.getLogger(__name__)
ALERT_ACTION = "alert.enrol_failures"


@dataclass(frozen=True)
class Attempt:
    """Who tries a code, as the throttle counts them (hashes: no code is stored, not even a wrong one)."""

    address: str
    source: str  # the address and the install's signing key
    code_key: str  # the normalised code tried

    @classmethod
    def of(cls, address: str, signing_key: str | None, normalised_code: str) -> Attempt:
        def digest(text: str) -> str:
            return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

        return cls(address[:64], digest(f"{address}|{signing_key or ''}"), digest(f"code|{normalised_code}"))


def _too_many(limits: Limits, message: str) -> CountyError:
    return CountyError(Refusal.TOO_MANY, "rate_limited", message, retry_after=limits.enrol_window_seconds)


def check(session: Session, attempt: Attempt, limits: Limits) -> None:
    """Refuse (429) before the code is looked at, if this install, address or code failed too often lately."""
    start = utcnow() - timedelta(seconds=limits.enrol_window_seconds)
    session.execute(delete(EnrolFailure).where(EnrolFailure.at < start))
    failures = select(func.count()).select_from(EnrolFailure)
    if session.scalar(failures.where(EnrolFailure.source == attempt.source)) >= limits.enrol_failures_per_window:
        raise _too_many(limits, "激活码输错次数太多，请 10 分钟后再试。")
    if session.scalar(failures.where(EnrolFailure.client == attempt.address)) >= limits.enrol_failures_per_address:
        raise _too_many(
            limits, "这个网络上输错激活码的次数太多，请 10 分钟后再试；如果一直这样，请联系县政务服务管理局。"
        )
    if session.scalar(failures.where(EnrolFailure.code_key == attempt.code_key)) >= limits.enrol_failures_per_code:
        raise _too_many(limits, "这个激活码已多次激活失败，请向县政务服务管理局申请新的激活码。")


def record_failure(session: Session, attempt: Attempt, limits: Limits) -> None:
    """Count a failed attempt in its own commit (the enrolment itself is refused); alert past the budget."""
    now = utcnow()
    session.add(EnrolFailure(client=attempt.address, source=attempt.source, code_key=attempt.code_key, at=now))
    session.flush()
    start = now - timedelta(seconds=limits.enrol_window_seconds)
    total = session.scalar(select(func.count()).select_from(EnrolFailure).where(EnrolFailure.at >= start))
    if (
        total >= limits.enrol_alert_failures
        and session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == ALERT_ACTION, AuditLog.at >= start)
        )
        == 0
    ):
        addresses = session.scalar(
            select(func.count(func.distinct(EnrolFailure.client))).where(EnrolFailure.at >= start)
        )
        audit(
            session,
            "county",
            ALERT_ACTION,
            "enrol",
            failures=total,
            addresses=addresses,
            window_seconds=limits.enrol_window_seconds,
        )
        log.warning(
            "activation codes: %d failed attempts from %d addresses in %d s; possible guessing attack",
            total,
            addresses,
            limits.enrol_window_seconds,
        )
    session.commit()


def alerts(session: Session, limit: int = 50) -> list[AuditLog]:
    """The newest alerts, for ``suishenban-county alerts``."""
    return list(
        session.scalars(
            select(AuditLog).where(AuditLog.action.like("alert.%")).order_by(AuditLog.id.desc()).limit(limit)
        )
    )
