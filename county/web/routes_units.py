"""What differs between the kinds of service unit, in the console: a helper team's members (帮代办队伍成员), each
with an account and activation code of their own, and a cooperating outlet's activity days (活动日).
County/services/units.py. The bureau edits; the township (its own points) and finance/audit read."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from county.api.errors import status_of
from county.errors import CountyError
from county.models import Point
from county.services import admin, units
from county.services.staff import BUREAU, StaffRole
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page
from county.web.routes_org import code_page

router = APIRouter(prefix="/console")
Bureau = Annotated[Viewer, allow(*BUREAU)]
PointReaders = Annotated[Viewer, allow(*BUREAU, StaffRole.FINANCE, StaffRole.TOWNSHIP)]
Text = Annotated[str, Form(max_length=2000)]


def _point(db, who: Viewer, code: str) -> Point:
    point = who.scope.point(db, code[:8])
    if point is None:
        raise ConsoleRefused(404, "没有这个代办点，或它不在你的工作范围内。")
    return point


def _team(request: Request, code: str, who: Viewer, error: str = "", typed: dict | None = None, status: int = 200):
    with reading(request) as db:
        point = _point(db, who, code)
        members = units.members(db, point) if point.kind == "team" else []
    return page(
        request,
        "team.html",
        who,
        point=point,
        kind_label=admin.POINT_KINDS.get(point.kind, point.kind),
        members=members,
        may_edit=who.role in BUREAU and point.state == "active" and point.kind == "team",
        typed=typed or {},
        error=error,
        status=status,
    )


@router.get("/points/{code}/team")
def team_page(request: Request, code: str, who: PointReaders):
    return _team(request, code, who)


@router.post("/points/{code}/team")
def add_member(request: Request, code: str, who: Bureau, name: Text = "", covers: Text = "", override: Text = ""):
    """A member's account and first activation code, for their own laptop; the training gate applies to each."""
    ttl = timedelta(hours=request.app.state.core.settings.limits.activation_ttl_hours)
    try:
        with writing(request, who) as db:
            _point(db, who, code)
            account = units.add_member(db, code[:8], name, covers, actor=who.actor, override_reason=override)
            issued = admin.issue_activation_code(db, account.id, ttl=ttl, actor=who.actor)
            point = db.get(Point, account.point_id)
    except CountyError as exc:
        typed = {"name": name[:40], "covers": covers[:120]}
        return _team(request, code, who, error=exc.message, typed=typed, status=status_of(exc))
    return code_page(request, who, issued, account, point)


def _activity(request: Request, code: str, who: Viewer, error: str = "", done: str = "", status: int = 200):
    with reading(request) as db:
        point = _point(db, who, code)
        days = units.schedule(db, [point.id]).get(point.id, []) if point.kind == "outlet" else []
        lines = [(d.id, units.describe(d)) for d in days]
    return page(
        request,
        "activity.html",
        who,
        point=point,
        kind_label=admin.POINT_KINDS.get(point.kind, point.kind),
        lines=lines,
        weekdays=units.WEEKDAYS,
        may_edit=who.role in BUREAU and point.state == "active" and point.kind == "outlet",
        error=error,
        done=done,
        status=status,
    )


@router.get("/points/{code}/activity")
def activity_page(request: Request, code: str, who: PointReaders):
    return _activity(request, code, who)


@router.post("/points/{code}/activity")
def add_day(
    request: Request,
    code: str,
    who: Bureau,
    weekday: Text = "",
    on_date: Text = "",
    starts: Text = "",
    ends: Text = "",
    place: Text = "",
):
    try:
        with writing(request, who) as db:
            _point(db, who, code)
            units.add_day(
                db, code[:8], weekday=weekday, on_date=on_date, starts=starts, ends=ends, place=place, actor=who.actor
            )
    except CountyError as exc:
        return _activity(request, code, who, error=exc.message, status=status_of(exc))
    return RedirectResponse(f"/console/points/{code[:8]}/activity", status_code=303)


@router.post("/points/{code}/activity/{day_id}/remove")
def remove_day(request: Request, code: str, day_id: int, who: Bureau):
    try:
        with writing(request, who) as db:
            _point(db, who, code)
            units.remove_day(db, code[:8], day_id, actor=who.actor)
    except CountyError as exc:
        return _activity(request, code, who, error=exc.message, status=status_of(exc))
    return _activity(request, code, who, done="已删去这个活动日。")
