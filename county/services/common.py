"""Small helpers the county services share: server time, secrets, hashing, the audit log."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from county.models import AuditLog
from county.services import audit_chain
from sync import clock

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def utcnow() -> datetime:
    """The county's time, from the one clock (sync.clock), in UTC as the database keeps it."""
    return clock.utcnow()


def aware(moment: datetime) -> datetime:
    """A datetime read back from the database as UTC (SQLite returns them without a zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_activation_code() -> str:
    """Twelve unambiguous characters in groups of four, e.g. 'K7QX-M2PA-9TRD' (about 60 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def normalize_activation_code(text: str) -> str:
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def new_device_token() -> str:
    return secrets.token_urlsafe(32)


AUDIT_CONTEXT = "audit_context"  # session.info key: the console's role and client address for every audit row


def audit(session: Session, actor: str, action: str, target: str, **detail) -> None:
    """One audit row at the end of the audit chain (county/services/audit_chain.py); a console request puts its
    staff role and address in ``session.info`` once, not per call."""
    context = session.info.get(AUDIT_CONTEXT, {})
    audit_chain.append(
        session,
        AuditLog(
            actor=actor,
            action=action,
            target=target,
            detail=detail,
            at=utcnow(),
            role=context.get("role"),
            ip=context.get("ip"),
        ),
    )
