"""The public case lookup (办件查询, 专区): a receipt number and its check code show a case's status, no one's data.

The receipt's QR code carries the receipt number and the check code (sync/ledger/check_code.py); the county
derives each point's key from its master secret, so a code is verified before any case is read. A wrong code
and a number the county never saw are answered alike, and wrong codes are throttled per client address and
per receipt number (hashes only, in ``lookup_failure``). What is shown is the item, the point, the dates and
the statuses with the department's notes — never the applicant's name, ID or phone, not even masked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import delete
from sqlalchemy.orm import Session

from county.config import Limits, Settings
from county.errors import CountyError, Refusal
from county.models import LookupFailure
from county.services import public_lookup_read
from county.services.common import utcnow
from county.services.public_lookup_read import Found
from sync.ledger.catalogue import load_catalogue
from sync.ledger.check_code import normalize_code, verify_check_code
from sync.ledger.kinds import CASE_STATE_LABELS, CaseState
from sync.ledger.receipts import ReceiptNoError, normalize_receipt_no

WRONG = "回执编号和查询码对不上。请对照回执上的编号和查询码重新输入；如果办件刚登记，可能还没有传到县里。"
# What the counter's own events say to the public: nothing of the reject messages, nothing personal.
COUNTER_STEPS = {
    "case.recorded": "代办点已登记",
    "case.voided": "代办点已作废这张回执",
    "case.completed": "代办点已办结",
    "materials.sent": "材料已送交部门",
}


@dataclass(frozen=True)
class Step:
    at: str  # China time, ISO text as recorded
    by: str
    label: str
    note: str


@dataclass(frozen=True)
class CaseStatus:
    """Everything the public page shows of a case."""

    receipt_no: str
    item_code: str
    item_name: str
    point_name: str
    township: str
    state_label: str
    business_date: str
    completed_at: str | None
    steps: tuple[Step, ...]


def read_query(receipt_text: str, code_text: str) -> tuple[str, str]:
    """The receipt number and code as typed or read from the QR code; INVALID with a Chinese message."""
    receipt_text, code_text = (receipt_text or "").strip()[:40], (code_text or "").strip()[:20]
    if not receipt_text:
        raise CountyError(Refusal.INVALID, "receipt_missing", "请输入回执上的回执编号。")
    try:
        receipt_no = normalize_receipt_no(receipt_text)
    except ReceiptNoError as exc:
        raise CountyError(Refusal.INVALID, "receipt_invalid", str(exc)) from exc
    if not code_text:
        raise CountyError(Refusal.INVALID, "code_missing", "只凭回执编号不能查询。请同时输入回执上的 6 位查询码。")
    code = normalize_code(code_text)
    if len(code) != 6:
        raise CountyError(Refusal.INVALID, "code_invalid", "查询码是回执上的 6 位字母和数字，请核对。")
    return receipt_no, code


def _receipt_key(receipt_no: str) -> str:
    return hashlib.sha256(f"lookup|{receipt_no}".encode()).hexdigest()[:32]


def _too_many(limits: Limits, message: str) -> CountyError:
    return CountyError(Refusal.TOO_MANY, "rate_limited", message, retry_after=limits.lookup_window_seconds)


def _throttle(found: Found, limits: Limits) -> None:
    """Refuse (TOO_MANY) before anything is shown, if this address or this receipt failed too often lately."""
    if found.by_address >= limits.lookup_failures_per_address:
        raise _too_many(limits, "这个网络上查询码输错的次数太多，请 15 分钟后再试。")
    if found.by_receipt >= limits.lookup_failures_per_receipt:
        raise _too_many(limits, "这张回执的查询码已输错多次，请 15 分钟后再试，或拨打回执上的服务电话查询。")


def record_failure(session: Session, receipt_no: str, client: str, limits: Limits) -> None:
    """Count one wrong code (the caller commits); rows older than the window are dropped on the way."""
    now = utcnow()
    session.execute(
        delete(LookupFailure).where(LookupFailure.at < now - timedelta(seconds=limits.lookup_window_seconds))
    )
    session.add(LookupFailure(receipt_key=_receipt_key(receipt_no), client=client[:64], at=now))


def code_is_right(settings: Settings, receipt_no: str, code: str) -> bool:
    key = settings.point_check_key(receipt_no[:4])
    if key is None:
        raise CountyError(Refusal.NOT_FOUND, "lookup_off", "本县还没有开通回执查询，请拨打回执上的服务电话。")
    return verify_check_code(receipt_no, code, bytes.fromhex(key))


@lru_cache(maxsize=1)
def _item_names() -> dict[str, str]:
    return {item.code: item.name for item in load_catalogue().items}


def case_status(session: Session, receipt_no: str) -> CaseStatus:
    """The case of a verified receipt number as the public page shows it (no throttle: for the county's own use
    and tests); NOT_FOUND, in the same words as a wrong code, when the county has none."""
    return _status_of(public_lookup_read.read_case(session.connection(), receipt_no, "", "", utcnow()))


def _status_of(found: Found) -> CaseStatus:
    """The public view of a case read by ``public_lookup_read.read_case``; NOT_FOUND (same words as a wrong
    code) when the county has none."""
    if found.case is None:
        raise CountyError(Refusal.NOT_FOUND, "no_case", WRONG)
    receipt_no, item_code, state, business_date, completed_at, point_name, township = found.case
    state_label = CASE_STATE_LABELS[CaseState(state)]
    if any(handed for _mailed, _arrived, handed, _contents in found.mailings):
        state_label += "，已交群众"
    steps = [Step(at, "代办点", COUNTER_STEPS[kind], "") for kind, at in found.counter if kind in COUNTER_STEPS]
    steps += [Step(at, "县级部门", label, note) for at, label, note in found.statuses]
    return CaseStatus(
        receipt_no=receipt_no,
        item_code=item_code,
        item_name=_item_names().get(item_code, item_code),
        point_name=point_name,
        township=township,
        state_label=state_label,
        business_date=business_date,
        completed_at=completed_at,
        steps=tuple(sorted(steps + _return_steps(found.mailings), key=lambda step: step.at)),
    )


def _return_steps(returned) -> list[Step]:
    """部门回寄 on its way back: mailed by the department, at the point, handed over (never who took it)."""
    steps = []
    for mailed, arrived, handed, contents in returned:
        steps.append(Step(mailed, "县级部门", "部门已寄回", contents))
        if arrived:
            steps.append(Step(arrived, "代办点", "已到代办点", contents))
        if handed:
            steps.append(Step(handed, "代办点", "已交群众", contents))
    return steps


def look_up(reading, writing, settings: Settings, receipt_text: str, code_text: str, client: str) -> CaseStatus:
    """One lookup: read the query and check the code (no database), then one read for the throttle and, with a
    right code, the case. ``reading`` opens a read connection (outside the write gate), ``writing`` a gated
    write session; only a wrong code writes, in its own transaction. A throttled address or receipt is refused
    whether the code is right or not, and a refused attempt is not counted again."""
    receipt_no, code = read_query(receipt_text, code_text)
    right = code_is_right(settings, receipt_no, code)
    limits, address, key = settings.limits, client[:64], _receipt_key(receipt_no)
    start = utcnow() - timedelta(seconds=limits.lookup_window_seconds)
    with reading() as conn:
        if right:
            found = public_lookup_read.read_case(conn, receipt_no, address, key, start)
        else:
            found = public_lookup_read.throttle_counts(conn, address, key, start)
    _throttle(found, limits)
    if not right:
        with writing() as session:
            record_failure(session, receipt_no, client, limits)
            session.commit()
        raise CountyError(Refusal.NOT_FOUND, "wrong_code", WRONG)
    return _status_of(found)
