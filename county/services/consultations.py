"""Consultations (咨询, 第十条): asked, routed to the bureau or a department, answered within 2 working days.

**When the clock starts.** A question that arrives on a working day before the office closes
(``OFFICE_CLOSES``, 17:30 China time) is received that day; one that arrives later, or on a day off, is
received on the next working day, as if it had come in at opening time. The day of receipt does not count:
the answer is due by the end of the 2nd working day after it (``sync.ledger.workdays.add_working_days``, over
the county's table: holidays and 调休 workdays). When the receipt day or any day counted lies in a year the
table does not cover, no date is guessed: ``due_date`` stays empty and the console says 时限待确认 until the
bureau publishes that year (``refresh_deadlines``).

**Routing.** A question about an item goes to the first handling unit its guide names (附件1); one without an
item goes to the bureau. The bureau can reassign it; the deadline stays as it was.

**Relayed from a counter (代办点转来的咨询).** The agent records a villager's question at the counter, offline;
it arrives in a push as a ``consult.asked`` event (``relay``) and is routed and deadlined like any other, its
clock starting when the county receives it. Its answer goes back to that point on the pull feed
(``consult_answer``, feed level 3), for the agent to pass on. Which unit answers it and by when goes back
too (``consult_route``, feed level 5: ``tell_route``), when it is routed, reassigned, or its 时限待确认 date
becomes known, so the counter can tell the villager 由 X 答复，应于 YYYY-MM-DD 前答复.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import Consultation, CountyEvent, Device
from county.services import texts
from county.services.common import CODE_ALPHABET, audit, aware, sha256_hex, utcnow
from county.services.crediting import county_workdays
from county.services.pii import PiiBox
from county.services.scope import Scope
from sync.ledger.catalogue import load_catalogue, load_units
from sync.ledger.events import CHINA_TZ, Event, format_time
from sync.ledger.validation import ValidationError, normalize_mobile
from sync.ledger.workdays import UNCONFIRMED, WorkdayTable, add_working_days

OFFICE_CLOSES = time(17, 30)
ANSWER_WITHIN = 2  # working days (第十条)
BUREAU = "县政务服务管理局"
SOURCES = {"zhuanqu": "专区留言", "phone": "电话", "hotline": "12345 热线", "counter": "代办点转来"}
STAFF_SOURCES = ("phone", "hotline")
QUESTION_MIN, QUESTION_MAX, ANSWER_MAX = 5, 1000, 2000
_TAG = re.compile(r"<\s*[a-zA-Z/!?]")
_LINK = re.compile(r"(https?://|www\.|\.(com|cn|net|top|xyz)\b)", re.IGNORECASE)


# ---- the deadline ------------------------------------------------------------------------------------


def received_on(asked_at: datetime, table: WorkdayTable) -> tuple[date, bool]:
    """The working day a question counts as received, and whether the table covered every day looked at."""
    local = aware(asked_at).astimezone(CHINA_TZ)
    day, confirmed = local.date(), table.covers(local.date().year)
    if table.is_workday(day) and local.time() < OFFICE_CLOSES:
        return day, confirmed
    while True:
        day += timedelta(days=1)
        confirmed = confirmed and table.covers(day.year)
        if table.is_workday(day):
            return day, confirmed


def deadline_of(asked_at: datetime, table: WorkdayTable) -> tuple[date, date | None]:
    """(received day, due day); the due day is None when the table does not cover the days it depends on."""
    received, confirmed = received_on(asked_at, table)
    due = add_working_days(received, ANSWER_WITHIN, table)
    return received, due.day if confirmed and due.confirmed else None


def due_label(due: date | None) -> str:
    return f"{due:%Y年%m月%d日}前" if due else UNCONFIRMED


def refresh_deadlines(session: Session) -> int:
    """After the bureau publishes a year: open questions marked 时限待确认 get their date if it is now known."""
    table, changed = county_workdays(session), 0
    for row in session.scalars(
        select(Consultation).where(Consultation.due_date.is_(None), Consultation.answered_at.is_(None))
    ):
        _received, due = deadline_of(row.asked_at, table)
        if due is not None:
            row.due_date, changed = due, changed + 1
            tell_route(session, row)
    return changed


# ---- asking ------------------------------------------------------------------------------------------


def new_code() -> str:
    """A query code (查询码): 12 unambiguous characters in groups of four, about 60 bits."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def code_hash(text: str) -> str | None:
    """The stored form of a query code as typed (any case, with or without dashes); None if it cannot be one."""
    raw = "".join(ch for ch in (text or "").upper()[:40] if ch.isalnum())
    if len(raw) != 12 or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return sha256_hex(f"consult|{raw}")


def check_question(raw: str) -> str:
    question = texts.paragraph(raw, field="question", label="问题", max_len=QUESTION_MAX)
    if len(question.replace("\n", "").replace(" ", "")) < QUESTION_MIN:
        raise CountyError(Refusal.INVALID, "too_short", f"问题太短了，请至少写 {QUESTION_MIN} 个字，说清楚想问什么。")
    _plain(question, "问题")
    return question


def _plain(text: str, label: str) -> None:
    if _TAG.search(text):
        raise CountyError(
            Refusal.INVALID, "markup", f"{label}里不能有网页代码（尖括号 < > 包着的字），请改成普通文字。"
        )
    if _LINK.search(text):
        raise CountyError(Refusal.INVALID, "link", f"{label}里不能有网址链接，请直接用文字说明。")


def check_phone(raw: str) -> str:
    if not (raw or "").strip():
        return ""
    try:
        return normalize_mobile(raw, field="phone")
    except ValidationError as exc:
        raise CountyError(Refusal.INVALID, "bad_phone", exc.message) from exc


def route_of(item_code: str) -> str | None:
    """The handling unit of an item (the first its guide names); None: the bureau."""
    if not item_code:
        return None
    item = next((i for i in load_catalogue().items if i.code == item_code), None)
    if item is None:
        raise CountyError(Refusal.INVALID, "bad_item", "没有这个办理事项，请从列表里选，或者不选。")
    return item.guide.unit_codes[0] if item.guide.unit_codes else None


def create(
    session: Session,
    box_of,
    *,
    question: str,
    item_code: str = "",
    phone: str = "",
    source: str,
    recorded_by: str | None = None,
) -> tuple[Consultation, str]:
    """A new consultation, routed and with its deadline; returns it and its query code (shown once, never kept).
    ``box_of`` gives the PiiBox, only asked for when a phone number was left."""
    if source not in SOURCES or source == "counter":  # a relayed question arrives only in a push (``relay``)
        raise CountyError(Refusal.INVALID, "bad_source", "请选择咨询是从哪里来的：电话或 12345 热线。")
    question, phone, item_code = check_question(question), check_phone(phone), (item_code or "").strip().upper()
    ref, code = secrets.token_hex(16), new_code()
    row = _add(
        session,
        ref=ref,
        code_hash=code_hash(code),
        source=source,
        question=question,
        item_code=item_code or None,
        unit_code=route_of(item_code),
        phone_sealed=box_of().seal({"mobile": phone}, f"consult-{ref}") if phone else None,
        recorded_by=recorded_by,
    )
    audit(session, recorded_by or "public", "consult.ask", f"consult:{row.id}", source=source, unit=row.unit_code)
    return row, code


def _add(session: Session, **columns) -> Consultation:
    """A new consultation, received now: its working day of receipt and its due day from the county's table."""
    now = utcnow()
    received, due = deadline_of(now, county_workdays(session))
    row = Consultation(**columns, asked_at=now, received_date=received, due_date=due)
    session.add(row)
    session.flush()
    return row


class RelayRefused(Exception):
    """A relayed question the county cannot take (ingest quarantines the event with this reason)."""

    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code, self.message = code, message


def relay(session: Session, event: Event, device: Device, phone_sealed: str | None) -> Consultation:
    """A ``consult.asked`` event already checked by the shared rules (sync/ledger/forms_consult.py) becomes a
    consultation with source 代办点转来; ``phone_sealed`` is its phone sealed for ``consult-<consult_id>``."""
    body = event.body
    ref = body["consult_id"]
    if session.scalar(select(Consultation.id).where(Consultation.ref == ref)) is not None:
        raise RelayRefused("consult_exists", "这条咨询县里已经收到过了。")
    try:
        unit_code = route_of(body["item_code"])
    except CountyError as exc:
        raise RelayRefused("invalid", exc.message) from exc
    row = _add(
        session,
        ref=ref,
        code_hash=sha256_hex(f"relay|{ref}"),  # no query code: the answer goes back to the counter
        source="counter",
        question=body["question"],
        item_code=body["item_code"] or None,
        unit_code=unit_code,
        phone_sealed=phone_sealed,
        recorded_by=None,
        point_id=device.point_id,
        device_id=device.id,
    )
    audit(session, f"device:{device.id}", "consult.ask", f"consult:{row.id}", source="counter", unit=unit_code)
    tell_route(session, row)
    return row


def tell_route(session: Session, row: Consultation) -> None:
    """A relayed question's answering unit and due date go back to its point (``consult_route``; the newest
    item per question stands at the counter). Nothing for a question not relayed from a counter."""
    if row.point_id is None:
        return
    now = utcnow()
    session.add(
        CountyEvent(
            point_id=row.point_id,
            kind="consult_route",
            payload={
                "consult_id": row.ref,
                "unit": unit_name(row.unit_code),
                "due_date": row.due_date.isoformat() if row.due_date else None,
                "routed_at": format_time(aware(now)),
            },
            created_at=now,
        )
    )


# ---- the console's work ------------------------------------------------------------------------------


def unit_name(unit_code: str | None) -> str:
    if unit_code is None:
        return BUREAU
    unit = load_units().get(unit_code)
    return unit.name if unit else unit_code


def get(session: Session, scope: Scope, consult_id: int) -> Consultation:
    row = session.scalar(scope.consultations().where(Consultation.id == consult_id))
    if row is None:
        raise CountyError(Refusal.NOT_FOUND, "no_consultation", "没有找到这条咨询，或者它不归你的单位答复。")
    return row


def answer(session: Session, scope: Scope, consult_id: int, text: str, *, actor: str) -> Consultation:
    row = get(session, scope, consult_id)
    if row.answered_at is not None:
        raise CountyError(Refusal.CONFLICT, "answered", "这条咨询已经答复过了，答复发布后不能再改。")
    text = texts.paragraph(text, field="answer", label="答复", max_len=ANSWER_MAX)
    _plain(text, "答复")
    row.answer, row.answered_at, row.answered_by, row.answered_unit = text, utcnow(), actor, row.unit_code
    if row.point_id is not None:  # relayed from a counter: the answer goes back to that point's devices
        session.add(
            CountyEvent(
                point_id=row.point_id,
                kind="consult_answer",
                payload={
                    "consult_id": row.ref,
                    "answer": text,
                    "unit": unit_name(row.unit_code),
                    "answered_at": format_time(aware(row.answered_at)),
                },
                created_at=row.answered_at,
            )
        )
    audit(session, actor, "consult.answer", f"consult:{row.id}", unit=row.unit_code, late=is_late(row))
    return row


def reassign(session: Session, scope: Scope, consult_id: int, to: str, *, actor: str) -> Consultation:
    """The bureau sends a question to another department or takes it itself ("bureau"); the deadline stays."""
    row = get(session, scope, consult_id)
    if row.answered_at is not None:
        raise CountyError(Refusal.CONFLICT, "answered", "这条咨询已经答复，不能再转办。")
    if to != "bureau" and to not in load_units():
        raise CountyError(Refusal.INVALID, "bad_unit", "请选择要转给哪个单位。")
    before, row.unit_code = row.unit_code, None if to == "bureau" else to
    audit(session, actor, "consult.route", f"consult:{row.id}", before=before, after=row.unit_code)
    if before != row.unit_code:
        tell_route(session, row)
    return row


def phone_of(session: Session, box: PiiBox, scope: Scope, consult_id: int, *, actor: str) -> str:
    """The asker's phone in full, for a call back; the look is audited (pii.unmask)."""
    row = get(session, scope, consult_id)
    if row.phone_sealed is None:
        return ""
    audit(session, actor, "pii.unmask", f"consult:{row.id}")
    return box.open(row.phone_sealed, f"consult-{row.ref}")["mobile"]


def is_late(row: Consultation) -> bool:
    if row.due_date is None:
        return False
    end = aware(row.answered_at).astimezone(CHINA_TZ).date() if row.answered_at else _today()
    return end > row.due_date


def _today() -> date:
    return utcnow().astimezone(CHINA_TZ).date()


@dataclass(frozen=True)
class Queue:
    overdue: list[Consultation]
    due_soon: list[Consultation]  # due today or the next working day
    unconfirmed: list[Consultation]  # 时限待确认
    later: list[Consultation]
    answered: list[Consultation]  # the newest 50


def _soon_until(session: Session) -> tuple[date, date]:
    today = _today()
    return today, add_working_days(today, 1, county_workdays(session)).day


def queue(session: Session, scope: Scope) -> Queue:
    today, soon = _soon_until(session)
    open_rows = session.scalars(
        scope.consultations().where(Consultation.answered_at.is_(None)).order_by(Consultation.id)
    ).all()
    answered = session.scalars(
        scope.consultations()
        .where(Consultation.answered_at.is_not(None))
        .order_by(Consultation.answered_at.desc())
        .limit(50)
    ).all()

    def pick(test) -> list[Consultation]:
        return sorted((r for r in open_rows if test(r)), key=lambda r: (r.due_date or date.max, r.id))

    return Queue(
        overdue=pick(lambda r: r.due_date is not None and r.due_date < today),
        due_soon=pick(lambda r: r.due_date is not None and today <= r.due_date <= soon),
        unconfirmed=pick(lambda r: r.due_date is None),
        later=pick(lambda r: r.due_date is not None and r.due_date > soon),
        answered=list(answered),
    )


def reminders(session: Session, scope: Scope) -> dict[str, int]:
    """The desk's reminder: open consultations, and of them overdue, due soon and 时限待确认, in the viewer's scope."""
    if not scope.sees_consultations:
        return {}
    today, soon = _soon_until(session)
    open_ = scope.consultations().where(Consultation.answered_at.is_(None))
    due = [d for d in session.scalars(open_.with_only_columns(Consultation.due_date))]
    return {
        "open": len(due),
        "overdue": sum(1 for d in due if d is not None and d < today),
        "due_soon": sum(1 for d in due if d is not None and today <= d <= soon),
        "unconfirmed": sum(1 for d in due if d is None),
    }


@dataclass(frozen=True)
class ResponseTimes:
    """One answering unit's record (答复用时): how many it answered, how many late, working days taken."""

    unit: str
    answered: int
    late: int
    average_workdays: float
    slowest_workdays: int
    waiting: int  # open now


def _workdays_between(start: date, end: date, table: WorkdayTable) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when answered the day it was received)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        days += table.is_workday(day)
    return days


def response_times(session: Session, scope: Scope) -> list[ResponseTimes]:
    """Per answering unit, over every consultation in scope: the statistics of 第十条's 2 working days."""
    table, rows = county_workdays(session), session.scalars(scope.consultations()).all()
    units: dict[str | None, list[Consultation]] = {}
    for row in rows:
        units.setdefault(row.answered_unit if row.answered_at else row.unit_code, []).append(row)
    out = []
    for unit_code, mine in units.items():
        done = [r for r in mine if r.answered_at is not None]
        taken = [
            _workdays_between(r.received_date, aware(r.answered_at).astimezone(CHINA_TZ).date(), table) for r in done
        ]
        out.append(
            ResponseTimes(
                unit=unit_name(unit_code),
                answered=len(done),
                late=sum(1 for r in done if is_late(r)),
                average_workdays=round(sum(taken) / len(taken), 1) if taken else 0.0,
                slowest_workdays=max(taken, default=0),
                waiting=len(mine) - len(done),
            )
        )
    return sorted(out, key=lambda t: (-t.late, t.unit))
