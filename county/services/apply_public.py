"""The 专区's side of applications (申请): applying (counted per address, a challenge past the first, a wait past
``apply_per_address``), reading where an application stands by number and check code (wrong codes counted per
address like the case lookup's), and the applicant's fix of a returned application.

What the 专区 shows names no one: the kind, the shop's name, the township, the state, the reason of a return or
rejection, and the dates of the steps — never the agent's name, phone or ID number, nor who reviewed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from county.config import Settings
from county.errors import CountyError, Refusal
from county.models import PublicAttempt, Township
from county.services import admin, applications, challenge, public_gate
from county.services.applications import ApplicationForm
from county.services.common import aware, utcnow
from sync.ledger.events import CHINA_TZ

APPLY, MISS = "apply", "apply_miss"
NOT_FOUND = "没有找到这份申请，请核对申请编号和 6 位校验码（提交申请后页面上给您的）。"
CLOSED = "专区申请暂时没有开通，请到所在乡镇政府递交纸质申请。"


def needs_challenge(session: Session, settings: Settings, client: str) -> bool:
    limits = settings.limits
    return public_gate.attempts(session, APPLY, client, limits.consult_window_seconds) >= limits.apply_before_challenge


def new_challenge(settings: Settings, client: str) -> challenge.Challenge:
    key = settings.challenge_key()
    if key is None:
        raise CountyError(Refusal.NOT_FOUND, "apply_off", CLOSED)
    return challenge.make(key, client, settings.limits.challenge_ttl_seconds)


def townships(session: Session) -> list[tuple[int, str]]:
    return [(t.id, t.name) for t in session.scalars(select(Township).order_by(Township.name))]


def _gate(writing, settings: Settings, client: str, token: str, solution: str) -> None:
    """Count this try; past the first in the window the challenge must be answered; past the limit, wait."""
    limits = settings.limits
    gate = public_gate.Gate(
        APPLY,
        limits.apply_per_address,
        limits.apply_before_challenge,
        "这个网络上提交的申请太多了，请一小时后再试，或到乡镇政府递交纸质申请。",
        "apply_off",
        CLOSED,
    )
    public_gate.count_try(writing, settings, gate, client, token, solution)


def apply(
    writing,
    settings: Settings,
    box_of,
    form: ApplicationForm,
    photos: list[bytes],
    client: str,
    *,
    token="",
    solution="",
) -> tuple[str, str]:
    """One application from the 专区: (number, check code). Every try counts, a refused one too."""
    _gate(writing, settings, client, token, solution)
    photos = [applications.photo_of(data) for data in photos]
    with writing() as session:
        row, code = applications.submit(session, box_of(), form, photos, source="zhuanqu", actor="public")
        session.commit()
        return row.number, code


@dataclass(frozen=True)
class PublicStep:
    label: str
    on: str
    reason: str | None


@dataclass(frozen=True)
class PublicApplication:
    number: str
    kind: str
    shop_name: str
    township: str
    state: str
    state_label: str
    reason: str | None
    steps: list[PublicStep]
    point_code: str | None


def _day(moment) -> str:
    return f"{aware(moment).astimezone(CHINA_TZ):%Y年%m月%d日}"


def _shown(session: Session, row) -> PublicApplication:
    township = session.get(Township, row.township_id)
    point = applications.point_of(session, row)
    return PublicApplication(
        number=row.number,
        kind=admin.POINT_KINDS[row.kind],
        shop_name=row.shop_name,
        township=township.name if township else "",
        state=row.state,
        state_label=applications.STATES[row.state],
        reason=row.reason,
        steps=[
            PublicStep(applications.STEP_LABELS[s.step], _day(s.at), s.reason) for s in applications.steps(session, row)
        ],
        point_code=point.code if point else None,
    )


def _throttled(session: Session, settings: Settings, client: str) -> None:
    limits = settings.limits
    if public_gate.attempts(session, MISS, client, limits.lookup_window_seconds) >= limits.consult_misses_per_address:
        raise CountyError(
            Refusal.TOO_MANY,
            "rate_limited",
            "这个网络上校验码输错的次数太多，请 15 分钟后再试。",
            retry_after=limits.lookup_window_seconds,
        )


def _miss(writing, settings: Settings, client: str) -> CountyError:
    with writing() as session:
        now = utcnow()
        session.execute(
            delete(PublicAttempt).where(
                PublicAttempt.kind == MISS,
                PublicAttempt.at < now - timedelta(seconds=settings.limits.lookup_window_seconds),
            )
        )
        session.add(PublicAttempt(kind=MISS, client=client[:64], at=now))
        session.commit()
    return CountyError(Refusal.NOT_FOUND, "no_application", NOT_FOUND)


def status(reading, writing, settings: Settings, number: str, code: str, client: str) -> PublicApplication:
    """Where an application stands; a wrong number or code is counted for the address (TOO_MANY comes first)."""
    if not (number or "").strip() or not (code or "").strip():
        raise CountyError(Refusal.INVALID, "code_missing", "请输入申请编号和 6 位校验码。")
    with reading() as session:
        _throttled(session, settings, client)
        row = applications.by_code(session, number, code)
        if row is not None:
            return _shown(session, row)
    raise _miss(writing, settings, client)


def editable(reading, writing, settings: Settings, number: str, code: str, client: str) -> ApplicationForm | None:
    """A returned application's fields to correct, by number and check code; the agent's name, phone and ID
    number are typed again, never shown. None when it is not waiting for a fix."""
    with reading() as session:
        _throttled(session, settings, client)
        row = applications.by_code(session, number, code)
        if row is not None:
            if row.state != "returned":
                return None
            return ApplicationForm(
                kind=row.kind,
                shop_name=row.shop_name,
                township_id=str(row.township_id),
                village=row.village,
                address=row.address,
            )
    raise _miss(writing, settings, client)


def fix(
    writing, settings: Settings, box_of, number: str, code: str, form: ApplicationForm, photos: list[bytes], client: str
) -> PublicApplication:
    """The applicant's corrected application, by number and check code; back to the township's first review."""
    with writing() as session:
        _throttled(session, settings, client)
        row = applications.by_code(session, number, code, for_update=True)
        if row is not None:
            checked = [applications.photo_of(data) for data in photos]
            applications.resubmit(session, box_of(), row, form, checked, actor="public")
            session.commit()
            return _shown(session, row)
    raise _miss(writing, settings, client)
