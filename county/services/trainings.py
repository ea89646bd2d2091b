"""Training (培训) of agents: sessions the bureau holds, who attended, and the rule that only a trained agent gets an
account or an activation code (推进方案 四(四)); the bureau may waive it with a written reason, audited.

Not the practice sandbox (county/training.py), which is the counter's 培训模式."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import Point, PointApplication, TrainingAttendance, TrainingSession, TrainingWaiver
from county.services import texts
from county.services.common import audit, utcnow
from sync.clock import china_today


def _refuse(message: str) -> CountyError:
    return CountyError(Refusal.INVALID, "training", message)


def create_session(session: Session, held_on: str | date, place: str, trainer: str, *, actor: str) -> TrainingSession:
    if isinstance(held_on, str):
        try:
            held_on = date.fromisoformat(held_on.strip())
        except ValueError:
            raise _refuse("请填写培训日期，例如 2026-12-08。什么都没有改。") from None
    place = texts.line(place, field="place", label="培训地点", max_len=120)
    trainer = texts.person_name(trainer, field="trainer")
    row = TrainingSession(held_on=held_on, place=place, trainer=trainer, created_by=actor[:60], created_at=utcnow())
    session.add(row)
    session.flush()
    audit(session, actor, "training.session", f"training:{row.id}", held_on=held_on.isoformat())
    return row


def _already(session: Session, session_id: int, name: str, point_id, application_id) -> bool:
    query = select(TrainingAttendance.id).where(
        TrainingAttendance.session_id == session_id,
        TrainingAttendance.name == name,
        TrainingAttendance.point_id.is_(None) if point_id is None else TrainingAttendance.point_id == point_id,
        TrainingAttendance.application_id.is_(None)
        if application_id is None
        else TrainingAttendance.application_id == application_id,
    )
    return session.scalar(query.limit(1)) is not None


def attend(
    session: Session,
    session_id: int,
    *,
    application: PointApplication | None = None,
    point: Point | None = None,
    name: str = "",
    actor: str,
) -> TrainingAttendance:
    """Record that an agent attended: the agent of an application (by its name there), or a named agent of a point."""
    training = session.get(TrainingSession, session_id)
    if training is None:
        raise _refuse("没有这次培训。什么都没有改。")
    if training.held_on > china_today():  # a planned training proves nothing yet
        raise _refuse(f"这次培训定在 {training.held_on}，还没有举行；举行那天起才能记参加的人。什么都没有改。")
    if application is not None:
        if application.state == "rejected":
            raise _refuse(f"申请 {application.number} 未通过审核，不用记培训。什么都没有改。")
        name, point_id, application_id = application.agent_name, application.point_id, application.id
    elif point is not None:
        name, point_id, application_id = texts.person_name(name), point.id, None
    else:
        raise _refuse("请选择参加培训的代办员：一份申请，或一个代办点和代办员姓名。什么都没有改。")
    if _already(session, training.id, name, point_id, application_id):
        raise _refuse(f"「{name}」已经记在这次培训里了。什么都没有改。")
    row = TrainingAttendance(
        session_id=training.id,
        name=name,
        point_id=point_id,
        application_id=application_id,
        recorded_by=actor[:60],
        recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "training.attend",
        f"training:{training.id}",
        point_id=point_id,
        application_id=application_id,
    )
    return row


@dataclass(frozen=True)
class Clearance:
    trained_on: date | None  # the latest training the agent attended for this point
    waived: str | None  # the bureau's reason when it opened the account without training

    @property
    def ok(self) -> bool:
        return self.trained_on is not None or self.waived is not None


def clearance(session: Session, point: Point, name: str) -> Clearance:
    """Whether the named agent of this point was trained (for the point, or for the application that made it)."""
    made_by = select(PointApplication.id).where(PointApplication.point_id == point.id)
    trained_on = session.scalar(
        select(TrainingSession.held_on)
        .join(TrainingAttendance, TrainingAttendance.session_id == TrainingSession.id)
        .where(
            TrainingAttendance.name == name,
            or_(TrainingAttendance.point_id == point.id, TrainingAttendance.application_id.in_(made_by)),
        )
        .order_by(TrainingSession.held_on.desc())
        .limit(1)
    )
    waived = session.scalar(
        select(TrainingWaiver.reason)
        .where(TrainingWaiver.point_id == point.id, TrainingWaiver.name == name)
        .order_by(TrainingWaiver.id.desc())
        .limit(1)
    )
    return Clearance(trained_on, waived)


def application_trained(session: Session, application: PointApplication) -> date | None:
    """The latest training the agent of this application attended (recorded for the application itself)."""
    return session.scalar(
        select(TrainingSession.held_on)
        .join(TrainingAttendance, TrainingAttendance.session_id == TrainingSession.id)
        .where(TrainingAttendance.application_id == application.id)
        .order_by(TrainingSession.held_on.desc())
        .limit(1)
    )


def require_trained(session: Session, point: Point, name: str, override_reason: str, *, actor: str) -> None:
    """The gate before an account or an activation code: trained, waived before, or waived now with a reason."""
    if clearance(session, point, name).ok:
        return
    reason = texts.line(
        override_reason or "", field="override", label="未培训先开通的理由", max_len=300, required=False
    )
    if not reason:
        raise _refuse(
            f"代办员「{name}」还没有参加过培训（没有培训记录），不能开通账号或发激活码。"
            "请先在「培训」页记下其参加的培训；确需先开通的，由县局写明理由后开通（记入审计日志）。什么都没有改。"
        )
    session.add(TrainingWaiver(point_id=point.id, name=name, reason=reason, granted_by=actor[:60], granted_at=utcnow()))
    audit(session, actor, "training.override", f"point:{point.code}", name=name, reason=reason)


def sessions(session: Session) -> list[tuple[TrainingSession, int]]:
    return session.execute(
        select(TrainingSession, func.count(TrainingAttendance.id))
        .outerjoin(TrainingAttendance, TrainingAttendance.session_id == TrainingSession.id)
        .group_by(TrainingSession.id)
        .order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc())
    ).all()
