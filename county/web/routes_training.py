"""Training (培训) in the console: the bureau records sessions and who attended (agents of applications or of
points); townships and finance/audit read them, a township only its own agents. County/services/trainings.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import or_, select

from county.api.errors import status_of
from county.errors import CountyError, Refusal
from county.models import Point, PointApplication, TrainingAttendance, TrainingSession
from county.services import trainings
from county.services.staff import BUREAU, StaffRole
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page

router = APIRouter(prefix="/console")
Readers = Annotated[Viewer, allow(*BUREAU, StaffRole.TOWNSHIP, StaffRole.FINANCE)]
Bureau = Annotated[Viewer, allow(*BUREAU)]
Text = Annotated[str, Form(max_length=2000)]


def _list(request: Request, who: Viewer, error: str = "", status: int = 200):
    with reading(request) as db:
        rows = trainings.sessions(db)
    return page(request, "trainings.html", who, rows=rows, may_edit=who.role in BUREAU, error=error, status=status)


@router.get("/training")
def list_page(request: Request, who: Readers):
    return _list(request, who)


@router.post("/training")
def create(request: Request, who: Bureau, held_on: Text = "", place: Text = "", trainer: Text = ""):
    try:
        with writing(request, who) as db:
            session_id = trainings.create_session(db, held_on, place, trainer, actor=who.actor).id
    except CountyError as exc:
        return _list(request, who, error=exc.message, status=status_of(exc))
    return RedirectResponse(f"/console/training/{session_id}", status_code=303)


def _attendees(db, who: Viewer, session_id: int):
    """Who attended, as far as this account may see: the township its own points' and applications' agents."""
    query = (
        select(TrainingAttendance, Point.code, PointApplication.number)
        .outerjoin(Point, Point.id == TrainingAttendance.point_id)
        .outerjoin(PointApplication, PointApplication.id == TrainingAttendance.application_id)
        .where(TrainingAttendance.session_id == session_id)
        .order_by(TrainingAttendance.id)
    )
    if not who.scope.county_wide:
        query = query.where(
            or_(
                TrainingAttendance.point_id.in_(who.scope.points().with_only_columns(Point.id)),
                TrainingAttendance.application_id.in_(who.scope.applications().with_only_columns(PointApplication.id)),
            )
        )
    return db.execute(query).all()


def _detail(request: Request, who: Viewer, session_id: int, error: str = "", done: str = "", status: int = 200):
    with reading(request) as db:
        training = db.get(TrainingSession, session_id)
        if training is None:
            raise ConsoleRefused(404, "没有这次培训。")
        attendees = _attendees(db, who, session_id)
        candidates = (
            db.scalars(
                who.scope.applications()
                .where(PointApplication.state.in_(("submitted", "passed", "approved")))
                .order_by(PointApplication.number.desc())
                .limit(300)
            ).all()
            if who.role in BUREAU
            else []
        )
    return page(
        request,
        "training.html",
        who,
        training=training,
        attendees=attendees,
        candidates=candidates,
        may_edit=who.role in BUREAU,
        error=error,
        done=done,
        status=status,
    )


@router.get("/training/{session_id}")
def detail(request: Request, session_id: int, who: Readers):
    return _detail(request, who, session_id)


@router.post("/training/{session_id}/attend")
def attend(
    request: Request, session_id: int, who: Bureau, application: Text = "", point_code: Text = "", name: Text = ""
):
    """An attendee: the agent of an application (by its id), or a point's agent by point code and name."""
    try:
        with writing(request, who) as db:
            if application.strip():
                row = db.get(PointApplication, int(application)) if application.strip().isdigit() else None
                if row is None:
                    raise CountyError(Refusal.INVALID, "training", "没有这份申请。什么都没有改。")
                trainings.attend(db, session_id, application=row, actor=who.actor)
            else:
                point = who.scope.point(db, point_code.strip()[:8]) if point_code.strip() else None
                if point is None:
                    raise CountyError(
                        Refusal.INVALID, "training", "请选择一份申请，或填写代办点编号和代办员姓名。什么都没有改。"
                    )
                trainings.attend(db, session_id, point=point, name=name, actor=who.actor)
    except CountyError as exc:
        return _detail(request, who, session_id, error=exc.message, status=status_of(exc))
    return _detail(request, who, session_id, done="已记下参加培训的代办员。")
