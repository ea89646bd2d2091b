"""The audit chain (审计链): every audit row carries the hash of the row before it, like a counter's ledger.

A row's hash covers its place (``seq``), the previous row's hash and everything it says: who (actor, role,
address), when, what and to what, and the details (before/after). Editing a row changes its hash; deleting
one breaks the link of the next; deleting the newest rows leaves the head (``audit_head``) naming a row that
is gone. Appends lock the head row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite writers are serialised by
``BEGIN IMMEDIATE``), so two county instances on one database append one after the other and never fork it.
The lock is held until the transaction ends: audit after a transaction's other row changes, not before, so
that no transaction waits for the head while holding a row another one needs first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.models import AuditHead, AuditLog

GENESIS = "0" * 64
HEAD_ID = 1


def _stamp(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def row_hash(row: AuditLog) -> str:
    """SHA-256 of the row's canonical JSON (sorted keys, UTF-8), with its seq and the previous hash."""
    body = {
        "seq": row.seq,
        "prev_hash": row.prev_hash,
        "actor": row.actor,
        "action": row.action,
        "target": row.target,
        "detail": row.detail,
        "at": _stamp(row.at),
        "role": row.role,
        "ip": row.ip,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _locked_head(session: Session) -> AuditHead:
    """The head row, locked until this transaction ends; made on first use of a database that has none."""
    session.flush()  # this transaction's earlier appends moved the head: read it as they left it
    query = select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    head = session.scalar(query.execution_options(populate_existing=True))
    if head is None:
        head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS)
        session.add(head)
    return head


def append(session: Session, row: AuditLog) -> AuditLog:
    """Give a new audit row its place at the end of the chain and add it to the session."""
    head = _locked_head(session)
    row.seq, row.prev_hash = head.seq + 1, head.hash
    row.row_hash = row_hash(row)
    head.seq, head.hash = row.seq, row.row_hash
    session.add(row)
    return row


@dataclass(frozen=True)
class Verdict:
    """The result of walking the chain: ``bad_seq`` is where it first goes wrong (None when intact)."""

    rows: int
    bad_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_seq is None

    def words(self) -> str:
        if self.ok:
            return f"审计日志完整：{self.rows} 条记录逐条核对无误，没有被删改。"
        return f"审计日志被改动过：第 {self.bad_seq} 条起核对不上（{self.reason}）。请立即报告县局和审计部门。"


def check_rows(rows: Iterable[AuditLog], head: AuditHead | None) -> Verdict:
    """Walk rows in seq order; the head must name the last one."""
    expected_seq, prev, count = 1, GENESIS, 0
    for row in rows:
        if row.seq is None or row.row_hash is None:
            return Verdict(count, expected_seq, "有一条记录没有链上的位置")
        if row.seq != expected_seq:
            return Verdict(count, expected_seq, f"第 {expected_seq} 条不见了")
        if row.prev_hash != prev:
            return Verdict(count, row.seq, "与上一条的链接不符")
        if row_hash(row) != row.row_hash:
            return Verdict(count, row.seq, "内容与它的哈希不符，记录被修改过")
        prev, expected_seq, count = row.row_hash, expected_seq + 1, count + 1
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    if head_seq > count:
        return Verdict(count, count + 1, f"链头记着 {head_seq} 条，最后的 {head_seq - count} 条被删除了")
    if head_seq != count or head_hash != prev:
        return Verdict(count, min(head_seq, count) + 1, "链头与最后一条记录不符，链头被改动过")
    return Verdict(count)


def verify(session: Session) -> Verdict:
    """Check the whole chain from the database (rows streamed, not all held at once)."""
    head = session.get(AuditHead, HEAD_ID)
    query = select(AuditLog).order_by(AuditLog.seq.asc().nulls_first()).execution_options(yield_per=2000)
    rows = session.scalars(query)
    try:
        return check_rows(rows, head)
    finally:
        rows.close()  # a chain that breaks early leaves the server-side cursor unread
