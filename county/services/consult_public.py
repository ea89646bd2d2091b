"""The 专区's side of consultations: asking (rate-limited, a challenge past a few asks) and reading the answer.

Every ask from an address is counted in ``public_attempt`` (kind ``ask``) for ``Limits.consult_window_seconds``.
After ``consult_asks_before_challenge`` asks the form carries an arithmetic challenge (county/services/challenge.py)
and an ask without its right answer is refused; after ``consult_asks_per_address`` the address waits (429).
Reading an answer takes only the query code; wrong codes are counted per address (kind ``read_miss``) like the
case lookup's check codes, and what is shown names no one: the question, the item, the answering unit, the dates
and the answer — never the phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from county.config import Settings
from county.errors import CountyError, Refusal
from county.models import Consultation, PublicAttempt
from county.services import challenge, consultations, public_gate
from county.services.common import aware, utcnow
from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import CHINA_TZ

ASK, MISS = "ask", "read_miss"
NOT_FOUND = "没有找到这个查询码的咨询。请核对提问后页面上给您的 12 位查询码。"
CLOSED = "专区留言咨询暂时没有开通，请拨打 12345 或到代办点咨询。"


@dataclass(frozen=True)
class AskForm:
    question: str = ""
    item_code: str = ""
    phone: str = ""
    token: str = ""  # the challenge, when one was shown
    solution: str = ""


@dataclass(frozen=True)
class PublicAnswer:
    """Everything the 专区 shows of a consultation."""

    question: str
    item_name: str
    asked_on: str
    due: str
    unit: str
    answer: str | None
    answered_on: str | None


def needs_challenge(session: Session, settings: Settings, client: str) -> bool:
    limits = settings.limits
    return (
        public_gate.attempts(session, ASK, client, limits.consult_window_seconds)
        >= limits.consult_asks_before_challenge
    )


def new_challenge(settings: Settings, client: str) -> challenge.Challenge:
    key = settings.challenge_key()
    if key is None:
        raise CountyError(Refusal.NOT_FOUND, "consult_off", CLOSED)
    return challenge.make(key, client, settings.limits.challenge_ttl_seconds)


def ask(writing, settings: Settings, box_of, form: AskForm, client: str) -> tuple[int, str]:
    """One ask from the 专区: the count, the challenge when due, then the question; (id, query code).
    ``writing`` opens a gated write session; the count and a used challenge are committed even when refused."""
    limits = settings.limits
    gate = public_gate.Gate(
        ASK,
        limits.consult_asks_per_address,
        limits.consult_asks_before_challenge,
        "这个网络上提问太多了，请一小时后再试，或拨打 12345。",
        "consult_off",
        CLOSED,
    )
    public_gate.count_try(writing, settings, gate, client, form.token, form.solution)
    with writing() as session:
        row, code = consultations.create(
            session, box_of, question=form.question, item_code=form.item_code, phone=form.phone, source="zhuanqu"
        )
        session.commit()
        return row.id, code


def _china_day(moment) -> str:
    return f"{aware(moment).astimezone(CHINA_TZ):%Y年%m月%d日}"


def read(reading, writing, settings: Settings, code_text: str, client: str) -> PublicAnswer:
    """A consultation by its query code; wrong codes throttled per address (TOO_MANY before anything is read)."""
    limits = settings.limits
    with reading() as session:
        if (
            public_gate.attempts(session, MISS, client, limits.lookup_window_seconds)
            >= limits.consult_misses_per_address
        ):
            raise CountyError(
                Refusal.TOO_MANY,
                "rate_limited",
                "这个网络上查询码输错的次数太多，请 15 分钟后再试。",
                retry_after=limits.lookup_window_seconds,
            )
        hashed = consultations.code_hash(code_text)
        row = session.scalar(select(Consultation).where(Consultation.code_hash == hashed)) if hashed else None
        if row is not None:
            item = next((i for i in load_catalogue().items if i.code == row.item_code), None)
            answered_unit = row.answered_unit if row.answered_at else row.unit_code
            return PublicAnswer(
                question=row.question,
                item_name=item.name if item else "",
                asked_on=_china_day(row.asked_at),
                due=consultations.due_label(row.due_date),
                unit=consultations.unit_name(answered_unit),
                answer=row.answer,
                answered_on=_china_day(row.answered_at) if row.answered_at else None,
            )
    if not (code_text or "").strip():
        raise CountyError(Refusal.INVALID, "code_missing", "请输入提问后拿到的 12 位查询码。")
    with writing() as session:
        now = utcnow()
        session.execute(
            delete(PublicAttempt).where(
                PublicAttempt.kind == MISS, PublicAttempt.at < now - timedelta(seconds=limits.lookup_window_seconds)
            )
        )
        session.add(PublicAttempt(kind=MISS, client=client[:64], at=now))
        session.commit()
    raise CountyError(Refusal.NOT_FOUND, "no_consultation", NOT_FOUND)
