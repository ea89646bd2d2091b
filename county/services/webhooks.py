"""Webhook notifications of API clients (接口通知, docs/data-api.md "Webhook notifications").

A client may have a webhook URL. When a transaction changes cases in its scope, ``enqueue`` (called by the change
sequence's stamp, county/services/changes.py, inside that transaction) raises the client's one outbox row
(``webhook_outbox``) to the newest change: many changes make one pending notification. The notification carries
no case and no personal field — only the change sequence and how many changes — and tells the client to pull the
feed. A worker (county/api/webhook_worker.py) claims due rows, POSTs them signed with the client's webhook
secret (HMAC-SHA256 over ``<timestamp>.<body>``) and records every attempt in ``webhook_delivery``; a failure is
tried again later with exponential backoff and jitter, and after ``MAX_ATTEMPTS`` the row is marked failed.

The secret is shown to the bureau once and stored only sealed by the county's data key, like personal fields
(``api_client.webhook_secret_sealed``, county/services/pii.py): a copy of the database alone cannot sign. The
worker opens it when it claims a notification; the secret lives in clear only in that worker's memory.

The outbox is raised while the transaction holds the change counter's lock (PostgreSQL), so two writers never
raise the same row at once; on SQLite writers pass the write gate one at a time.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, and_, case, or_, select, update
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import ApiClient, Case, WebhookDelivery, WebhookOutbox
from county.services.api_clients import ClientScope
from county.services.common import audit, iso, utcnow
from county.services.exchange_wire import WebhookNotice
from county.services.pii import PiiBox

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
TIMESTAMP_HEADER = "X-Suishenban-Timestamp"
SIGNATURE_HEADER = "X-Suishenban-Signature"
EVENT_TYPE = "cases.changed"
REPLAY_WINDOW_S = 300  # a receiver refuses a timestamp further than this from its own clock
MAX_ATTEMPTS = 8
BASE_DELAY_S = 30.0  # before the 2nd attempt: 15–30 s; then doubling: … the 8th after 32–64 min
MAX_DELAY_S = 3600.0
LEASE_S = 60  # a claimed row is another worker's again after this (a worker that died mid-send)
TIMEOUT_S = 10  # per POST; well inside the lease
MIN_INTERVAL_S = 2  # between two notifications delivered to one client
LOOPBACK_HOSTS = {"localhost"}
# The outbox row's states and each attempt's outcomes, with what the console calls them
STATES = {"idle": "没有待发通知", "pending": "有待发通知", "failed": "发送失败"}
OUTCOMES = {"sent": "已送达", "retry": "失败，稍后重试", "failed": "多次失败，已停止重试"}


@dataclass(frozen=True)
class Claim:
    """A due notification a worker took: where to send it, what it says, signed with what."""

    client_id: int
    url: str
    secret: str
    change_seq: int
    changes: int
    since_seq: int
    attempt: int  # this attempt's number, from 1


def _loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """An https URL (plain http only to this machine's loopback, for trying a receiver out)."""
    url = url.strip()
    refused = CountyError(
        Refusal.INVALID, "bad_webhook_url", "通知地址应为 https:// 开头的完整网址（最长 500 个字符）。"
    )
    if not url or len(url) > 500 or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise refused
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _port = parts.port
    except ValueError as exc:
        raise refused from exc
    if not host or parts.username or parts.password or parts.fragment:
        raise refused
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(host)):
        return url
    if parts.scheme == "http":
        raise CountyError(
            Refusal.INVALID, "insecure_webhook_url", "通知地址必须用 https（只有本机测试地址 127.0.0.1 可以用 http）。"
        )
    raise refused


def _client(session: Session, client_id: int) -> ApiClient:
    client = session.get(ApiClient, client_id, with_for_update=True)
    if client is None:
        raise CountyError(Refusal.NOT_FOUND, "client_not_found", "没有这个客户端。")
    if client.state != "active":
        raise CountyError(Refusal.CONFLICT, "client_revoked", "这个客户端已停用，不能设置通知。")
    return client


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def secret_context(client_id: int) -> str:
    """The associated data a client's secret is sealed with: a sealed secret moved to another client does not open."""
    return f"webhook-{client_id}"


def seal_secret(box: PiiBox, client_id: int, secret: str) -> str:
    return box.seal({"secret": secret}, secret_context(client_id))


def open_secret(box: PiiBox, client_id: int, sealed: str) -> str:
    return box.open(sealed, secret_context(client_id))["secret"]


def _give_secret(box: PiiBox, client: ApiClient) -> str:
    secret = _new_secret()
    client.webhook_secret_sealed, client.webhook_secret = seal_secret(box, client.id, secret), None
    return secret


def set_url(session: Session, client_id: int, url: str, *, actor: str, box: PiiBox) -> str | None:
    """Set (or change) the client's webhook URL. Returns the new signing secret when the client had none — shown
    to the bureau this once, stored only sealed — and None when the URL changed and the secret stays."""
    url = check_url(url)
    client = _client(session, client_id)
    fresh = None
    if client.webhook_secret_sealed is None and client.webhook_secret is None:
        fresh = _give_secret(box, client)
    client.webhook_url, client.webhook_set_at = url, utcnow()
    if session.get(WebhookOutbox, client.id) is None:
        session.add(
            WebhookOutbox(client_id=client.id, state="idle", change_seq=0, changes=0, attempts=0, delivered_seq=0)
        )
    audit(session, actor, "api_client.webhook_set", f"api_client:{client.id}", host=urlsplit(url).hostname)
    return fresh


def new_secret(session: Session, client_id: int, *, actor: str, box: PiiBox) -> str:
    """A new signing secret; the old one stops signing at once (the receiver swaps it in)."""
    client = _client(session, client_id)
    if client.webhook_url is None:
        raise CountyError(Refusal.CONFLICT, "no_webhook", "这个客户端还没有设置通知地址。")
    secret = _give_secret(box, client)
    audit(session, actor, "api_client.webhook_secret", f"api_client:{client.id}")
    return secret


def remove(session: Session, client_id: int, *, actor: str) -> None:
    """No more notifications: the URL and the secret are cleared, a pending notification is dropped."""
    client = _client(session, client_id)
    client.webhook_url = client.webhook_secret = client.webhook_secret_sealed = client.webhook_set_at = None
    outbox = session.get(WebhookOutbox, client.id)
    if outbox is not None:
        session.delete(outbox)
    audit(session, actor, "api_client.webhook_remove", f"api_client:{client.id}")


def retry_now(session: Session, client_id: int, *, actor: str) -> None:
    """A failed notification is tried again at once, from its first attempt."""
    outbox = session.get(WebhookOutbox, client_id, with_for_update=True)
    if outbox is None or outbox.state != "failed":
        raise CountyError(Refusal.CONFLICT, "not_failed", "这个客户端没有发送失败的通知。")
    outbox.state, outbox.attempts, outbox.next_attempt_at = "pending", 0, utcnow()
    audit(session, actor, "api_client.webhook_retry", f"api_client:{client_id}")


def enqueue(session: Session, stamped: Sequence[tuple[str, int]]) -> int:
    """Raise the outbox of every webhook client whose scope holds one of the cases just stamped ``(case_id,
    change_seq)``; returns how many clients. Part of the stamping transaction: rolled back with it."""
    clients = session.execute(
        select(ApiClient.id, ApiClient.scope_kind, ApiClient.scope_codes).where(
            ApiClient.webhook_url.is_not(None), ApiClient.state == "active"
        )
    ).all()
    if not clients or not stamped:
        return 0
    seq_of = dict(stamped)
    items = session.execute(select(Case.case_id, Case.item_code).where(Case.case_id.in_(list(seq_of)))).all()
    now, raised = utcnow(), 0
    table = WebhookOutbox.__table__.c
    for client_id, scope_kind, scope_codes in clients:
        scope = ClientScope.from_codes(scope_kind, scope_codes)
        seqs = [seq_of[case_id] for case_id, item in items if scope.holds(item)]
        if not seqs:
            continue
        newest, waiting = max(seqs), table.state == "pending"
        session.execute(
            update(WebhookOutbox)
            .where(table.client_id == client_id)
            .values(
                change_seq=case((table.change_seq < newest, newest), else_=table.change_seq),
                changes=table.changes + len(seqs),
                # a pending row keeps its attempts and backoff; an idle or failed one starts again, due now
                attempts=case((waiting, table.attempts), else_=0),
                next_attempt_at=case((waiting, table.next_attempt_at), else_=now),
                state="pending",
            )
            .execution_options(synchronize_session=False)
        )
        raised += 1
    return raised


def due(now: datetime) -> ColumnElement[bool]:
    """Outbox rows to send now: pending, their retry time come, not claimed (or the claim's lease ran out), and
    at least ``MIN_INTERVAL_S`` after the client's last delivered notification (a busy county tells a client
    at most every two seconds; the changes meanwhile gather in the next one)."""
    table = WebhookOutbox.__table__.c
    return and_(
        table.state == "pending",
        table.next_attempt_at <= now,
        or_(table.claimed_until.is_(None), table.claimed_until < now),
        or_(table.delivered_at.is_(None), table.delivered_at <= now - timedelta(seconds=MIN_INTERVAL_S)),
    )


def claim(session: Session, worker: str, now: datetime, *, box: PiiBox, limit: int = 10) -> list[Claim]:
    """Take up to ``limit`` due notifications for ``LEASE_S`` seconds; the caller commits at once. On PostgreSQL
    rows another worker is claiming are skipped (``FOR UPDATE SKIP LOCKED``); on SQLite the claiming transaction
    holds the write lock. A row whose lease ran out (its worker died) is due again. Each secret is opened here."""
    table = WebhookOutbox.__table__.c
    rows = session.execute(
        select(WebhookOutbox, ApiClient.webhook_url, ApiClient.webhook_secret_sealed, ApiClient.state)
        .join(ApiClient, ApiClient.id == table.client_id)
        .where(due(now))
        .order_by(table.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookOutbox)
    ).all()
    claims = []
    for outbox, url, sealed, client_state in rows:
        if url is None or sealed is None or client_state != "active":  # removed or revoked meanwhile
            outbox.state = "idle"
            continue
        secret = open_secret(box, outbox.client_id, sealed)
        outbox.claimed_by, outbox.claimed_until = worker, now + timedelta(seconds=LEASE_S)
        claims.append(
            Claim(
                outbox.client_id,
                url,
                secret,
                outbox.change_seq,
                outbox.changes,
                outbox.delivered_seq,
                outbox.attempts + 1,
            )
        )
    return claims


def body(claim: Claim, now: datetime) -> bytes:
    """What is POSTed: no case, no personal field — pull the feed from your cursor."""
    return (
        WebhookNotice(
            type=EVENT_TYPE,
            client_id=claim.client_id,
            change_seq=claim.change_seq,
            changes=claim.changes,
            since_seq=claim.since_seq,
            feed="/api/v1/exchange/cases",
            attempt=claim.attempt,
            sent_at=iso(now),
        )
        .model_dump_json()
        .encode()
    )


def signature(secret: str, timestamp: int, payload: bytes) -> str:
    """``v1=`` and the hex HMAC-SHA256 of ``<timestamp>.<body>`` under the secret."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + payload, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def headers(secret: str, timestamp: int, payload: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "suishenban-county-webhook/1",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, payload),
    }


def delay_after(attempt: int, rng: random.Random) -> float:
    """Seconds before the next attempt after failed attempt ``attempt``: doubling, with "equal jitter" (half
    fixed, half random) so that receivers coming back are not hit by every county at the same second."""
    ceiling = min(MAX_DELAY_S, BASE_DELAY_S * 2 ** (attempt - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def finish(
    session: Session,
    claim: Claim,
    worker: str,
    now: datetime,
    *,
    http_status: int | None,
    error: str | None,
    duration_ms: int,
    rng: random.Random,
) -> str:
    """Record the attempt and move the row on: sent (idle, or pending again if changes came in meanwhile), tried
    again later, or failed. Only the worker holding the claim may; returns the outcome."""
    outbox = session.get(WebhookOutbox, claim.client_id, with_for_update=True)
    if outbox is None or outbox.claimed_by != worker:
        return "lost"  # removed, or the lease ran out and another worker took it
    ok = error is None
    if ok:
        outcome = "sent"
        outbox.delivered_seq, outbox.delivered_at = claim.change_seq, now
        outbox.changes = max(0, outbox.changes - claim.changes)
        outbox.attempts, outbox.last_error = 0, None
        newer = outbox.change_seq > claim.change_seq  # changes came in while it was being sent
        outbox.state, outbox.next_attempt_at = ("pending", now) if newer else ("idle", None)
    elif claim.attempt >= MAX_ATTEMPTS:
        outcome = "failed"
        outbox.state, outbox.attempts, outbox.last_error = "failed", claim.attempt, error
    else:
        outcome = "retry"
        outbox.attempts, outbox.last_error = claim.attempt, error
        outbox.next_attempt_at = now + timedelta(seconds=delay_after(claim.attempt, rng))
    outbox.claimed_by = outbox.claimed_until = None
    session.add(
        WebhookDelivery(
            client_id=claim.client_id,
            change_seq=claim.change_seq,
            changes=claim.changes,
            attempt=claim.attempt,
            outcome=outcome,
            http_status=http_status,
            error=error,
            duration_ms=duration_ms,
            worker=worker,
            at=now,
        )
    )
    log.info(
        "webhook delivery client=%s change_seq=%s attempt=%s outcome=%s http=%s",
        claim.client_id,
        claim.change_seq,
        claim.attempt,
        outcome,
        http_status,
    )
    return outcome
