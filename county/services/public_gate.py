"""What the 专区's public forms (咨询, 申请) share: counting tries per client address, and the gate each try passes —
past a limit in the window, wait (TOO_MANY); past the first few, answer the arithmetic challenge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from county.config import Settings
from county.errors import CountyError, Refusal
from county.models import PublicAttempt
from county.services import challenge
from county.services.common import utcnow


def attempts(session: Session, kind: str, client: str, seconds: int) -> int:
    """How many tries of ``kind`` this address made in the last ``seconds``."""
    start = utcnow() - timedelta(seconds=seconds)
    return session.scalar(
        select(func.count())
        .select_from(PublicAttempt)
        .where(PublicAttempt.kind == kind, PublicAttempt.client == client[:64], PublicAttempt.at >= start)
    )


@dataclass(frozen=True)
class Gate:
    """One form's rules: its kind of try, how many an address may make in the window and before the challenge,
    what to say when there were too many, and what to say (and the code) when the form is switched off."""

    kind: str
    per_address: int
    before_challenge: int
    too_many: str
    off_code: str
    closed: str


def count_try(writing, settings: Settings, gate: Gate, client: str, token: str, solution: str) -> None:
    """Count this try, then apply the gate. The count and a used challenge are committed even when refused, so a
    refused try still counts; old tries of this kind are cleared on the way."""
    window, key = settings.limits.consult_window_seconds, settings.challenge_key()
    if key is None:
        raise CountyError(Refusal.NOT_FOUND, gate.off_code, gate.closed)
    with writing() as session:
        now = utcnow()
        session.execute(
            delete(PublicAttempt).where(
                PublicAttempt.kind == gate.kind, PublicAttempt.at < now - timedelta(seconds=window)
            )
        )
        tried = attempts(session, gate.kind, client, window)
        if tried >= gate.per_address:
            raise CountyError(Refusal.TOO_MANY, "rate_limited", gate.too_many, retry_after=window)
        session.add(PublicAttempt(kind=gate.kind, client=client[:64], at=now))
        if tried >= gate.before_challenge:
            try:
                challenge.check(session, key, token, solution, client)
            finally:
                session.commit()
        session.commit()
