"""API clients of the data exchange (数据接口客户端): registration, tokens, scope, every call logged.

The bureau registers a department's system or the provincial platform with a scope (the items of some handling
units, some items, or the whole county) and permissions (read cases, read personal fields, write statuses). The
token (``ssbx_`` and 43 random URL-safe characters: 32 bytes) is shown once; only its SHA-256 is stored and
compared in constant time. Tokens expire (``expires_at``). Rotating issues a new token and the old one stops
working at once (the department swaps it in its configuration: no overlap during which a leaked token still
works). Revoking takes effect with the next call: every call reads the client's row.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, false, insert, select, true, update
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import ApiCall, ApiClient, Case, RetiredToken
from county.services import texts
from county.services.common import audit, aware, sha256_hex, utcnow
from county.services.scope import unit_item_codes
from sync.ledger.catalogue import load_catalogue, load_units

log = logging.getLogger(__name__)

TOKEN_PREFIX = "ssbx_"
KINDS = {"department": "部门业务系统", "province": "省级平台"}
SCOPE_KINDS = {"units": "办理单位的事项", "items": "指定事项", "all": "全县所有事项"}
DEFAULT_TTL_DAYS = 365
MAX_TTL_DAYS = 730
LAST_USED_GRAIN = timedelta(minutes=1)  # how stale a client's last_used_at may get (record_call)


@dataclass(frozen=True)
class Issued:
    """A token as the bureau sees it once."""

    client: ApiClient
    token: str


class TokenRefused(CountyError):
    """A refused token whose client is known (revoked, expired, or replaced by a rotation): the call is logged
    with that client."""

    def __init__(self, client_id: int, kind: Refusal, code: str, message: str):
        super().__init__(kind, code, message)
        self.client_id = client_id


@dataclass(frozen=True)
class ClientScope:
    """Which cases a client may read and update: the items of its units, its items, or all."""

    kind: str
    item_codes: frozenset[str]

    @classmethod
    def of(cls, client: ApiClient) -> ClientScope:
        return cls.from_codes(client.scope_kind, client.scope_codes)

    @classmethod
    def from_codes(cls, scope_kind: str, scope_codes: list[str]) -> ClientScope:
        if scope_kind == "units":
            return cls("units", frozenset().union(*(unit_item_codes(unit) for unit in scope_codes)))
        return cls(scope_kind, frozenset(scope_codes))

    def holds(self, item_code: str) -> bool:
        return self.kind == "all" or item_code in self.item_codes

    def case_filter(self) -> ColumnElement[bool]:
        if self.kind == "all":
            return true()
        return Case.item_code.in_(sorted(self.item_codes)) if self.item_codes else false()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _scope_codes(scope_kind: str, codes: list[str]) -> list[str]:
    codes = sorted({code.strip().upper() if scope_kind == "items" else code.strip() for code in codes if code.strip()})
    if scope_kind == "all":
        return []
    known = set(load_units()) if scope_kind == "units" else {item.code for item in load_catalogue().items}
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise CountyError(
            Refusal.INVALID,
            "bad_scope",
            f"事项清单里没有这些{'办理单位' if scope_kind == 'units' else '事项'}：{'、'.join(unknown)}。",
        )
    if not codes:
        raise CountyError(Refusal.INVALID, "bad_scope", "请至少选一个办理单位或事项，或选择“全县所有事项”。")
    return codes


def register(
    session: Session,
    name: str,
    kind: str,
    scope_kind: str,
    codes: list[str],
    *,
    read_pii: bool,
    write_statuses: bool,
    ttl_days: int = DEFAULT_TTL_DAYS,
    actor: str,
) -> Issued:
    name = texts.line(name, field="name", label="客户端名称", max_len=60)
    if kind not in KINDS:
        raise CountyError(Refusal.INVALID, "bad_kind", "客户端类型只能是部门业务系统或省级平台。")
    if scope_kind not in SCOPE_KINDS:
        raise CountyError(Refusal.INVALID, "bad_scope", "数据范围只能是办理单位、指定事项或全县所有事项。")
    if not 1 <= ttl_days <= MAX_TTL_DAYS:
        raise CountyError(Refusal.INVALID, "bad_ttl", f"有效期应为 1 到 {MAX_TTL_DAYS} 天。")
    if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise CountyError(Refusal.CONFLICT, "client_exists", f"已经有名为“{name}”的客户端了。")
    codes = _scope_codes(scope_kind, codes)
    token, now = _new_token(), utcnow()
    client = ApiClient(
        name=name,
        kind=kind,
        scope_kind=scope_kind,
        scope_codes=codes,
        read_cases=True,
        read_pii=read_pii,
        write_statuses=write_statuses,
        token_hash=sha256_hex(token),
        token_prefix=token[:12],
        state="active",
        created_at=now,
        expires_at=now + timedelta(days=ttl_days),
    )
    session.add(client)
    session.flush()
    audit(
        session,
        actor,
        "api_client.register",
        f"api_client:{client.id}",
        kind=kind,
        scope=scope_kind,
        codes=codes,
        read_pii=read_pii,
        write_statuses=write_statuses,
        ttl_days=ttl_days,
    )
    return Issued(client, token)


def _client(session: Session, client_id: int) -> ApiClient:
    client = session.get(ApiClient, client_id, with_for_update=True)
    if client is None:
        raise CountyError(Refusal.NOT_FOUND, "client_not_found", "没有这个客户端。")
    return client


def rotate(session: Session, client_id: int, *, ttl_days: int = DEFAULT_TTL_DAYS, actor: str) -> Issued:
    """A new token, valid ``ttl_days`` from now; the old one is refused from this commit on (its hash is kept in
    ``api_retired_token`` so that a call still made with it is logged with this client)."""
    client = _client(session, client_id)
    if client.state != "active":
        raise CountyError(Refusal.CONFLICT, "client_revoked", "这个客户端已停用，不能再换发令牌。")
    if not 1 <= ttl_days <= MAX_TTL_DAYS:
        raise CountyError(Refusal.INVALID, "bad_ttl", f"有效期应为 1 到 {MAX_TTL_DAYS} 天。")
    token, now = _new_token(), utcnow()
    session.add(RetiredToken(token_hash=client.token_hash, client_id=client.id, retired_at=now))
    client.token_hash, client.token_prefix = sha256_hex(token), token[:12]
    client.rotated_at, client.expires_at = now, now + timedelta(days=ttl_days)
    audit(session, actor, "api_client.rotate", f"api_client:{client.id}", ttl_days=ttl_days)
    return Issued(client, token)


def revoke(session: Session, client_id: int, *, actor: str) -> ApiClient:
    client = _client(session, client_id)
    if client.state != "revoked":
        client.state, client.revoked_at = "revoked", utcnow()
        audit(session, actor, "api_client.revoke", f"api_client:{client.id}")
    return client


def authenticate(session: Session, authorization: str | None) -> ApiClient:
    """The client behind ``Authorization: Bearer <token>``: refused if unknown, expired or revoked."""
    if not authorization or not authorization.startswith("Bearer "):
        raise CountyError(
            Refusal.UNAUTHENTICATED, "token_missing", "缺少接口令牌：请在 Authorization 头里带上 Bearer 令牌。"
        )
    token = authorization[len("Bearer ") :].strip()
    digest = sha256_hex(token)
    client = session.scalar(select(ApiClient).where(ApiClient.token_hash == digest)) if token else None
    if client is None or not hmac.compare_digest(client.token_hash, digest):
        retired = session.get(RetiredToken, digest) if token else None
        message = "接口令牌无效，请向县政务服务管理局核对。"
        if retired is not None:  # still refused, but the call is logged with the client it belonged to
            raise TokenRefused(retired.client_id, Refusal.UNAUTHENTICATED, "token_invalid", message)
        raise CountyError(Refusal.UNAUTHENTICATED, "token_invalid", message)
    if client.state != "active":
        raise TokenRefused(client.id, Refusal.FORBIDDEN, "client_revoked", "这个接口客户端已被县政务服务管理局停用。")
    if aware(client.expires_at) <= utcnow():
        raise TokenRefused(
            client.id, Refusal.UNAUTHENTICATED, "token_expired", "接口令牌已过期，请向县政务服务管理局申请换发。"
        )
    return client


def record_call(
    session: Session,
    client_id: int | None,
    route: str,
    status: int,
    *,
    code: str | None,
    count: int,
    ip: str,
    last_used: datetime | None = None,
) -> None:
    """One row per call, in its own transaction, committed before the answer leaves: who, which route, how many
    records, the answer. The client's ``last_used_at`` is moved only when ``last_used`` (its value as the call
    read it) is older than LAST_USED_GRAIN, so a client walking the feed costs one INSERT per page, not also an
    UPDATE of its row."""
    now = utcnow()
    session.execute(
        insert(ApiCall).values(
            client_id=client_id, route=route, status=status, code=code, count=count, ip=ip[:64], at=now
        )
    )
    if client_id is not None and status < 400 and (last_used is None or now - aware(last_used) >= LAST_USED_GRAIN):
        session.execute(update(ApiClient).where(ApiClient.id == client_id).values(last_used_at=now))
    session.commit()
    log.info("exchange call client=%s route=%s status=%s code=%s count=%s", client_id, route, status, code, count)
