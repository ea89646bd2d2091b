"""Each role's work desk (工作台), notices (通知公告) and staff accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import select

from county.api.errors import status_of
from county.errors import CountyError
from county.models import CountyEvent, StaffUser, Township
from county.services import applications, consultations, notices, staff
from county.services.staff import ALL_ROLES, BUREAU, ROLE_LABELS, StaffRole
from county.web import queries
from county.web.case_work import due_counts, return_counts
from county.web.deps import Viewer, allow, reading, writing
from county.web.render import page
from sync.ledger.catalogue import load_units

router = APIRouter(prefix="/console")
Anyone = Annotated[Viewer, allow(*ALL_ROLES)]
Bureau = Annotated[Viewer, allow(*BUREAU)]
Admin = Annotated[Viewer, allow(StaffRole.BUREAU_ADMIN)]
Text = Annotated[str, Form(max_length=2000)]


@router.get("/")
def desk(request: Request, who: Anyone):
    with reading(request) as db:
        counts = queries.desk_counts(db, who.scope)
        consults = consultations.reminders(db, who.scope)
        if who.role is StaffRole.DEPARTMENT:
            counts.update(due_counts(db, who.scope))
            counts["returns_waiting"] = return_counts(db, who.scope)["waiting"]
        waiting = applications.waiting_count(db, who.scope)
        if waiting is not None:
            counts["applications"] = waiting
        town = db.get(Township, who.scope.township_id) if who.scope.township_id else None
    return page(request, "desk.html", who, counts=counts, town=town, consults=consults)


def _notices(db) -> list[CountyEvent]:
    return db.scalars(
        select(CountyEvent).where(CountyEvent.kind == "notice").order_by(CountyEvent.id.desc()).limit(50)
    ).all()


@router.get("/notices")
def notices_page(request: Request, who: Bureau):
    return _notices_page(request, who)


def _notices_page(request: Request, who: Viewer, error: str = "", done: str = "", status: int = 200):
    with reading(request) as db:
        rows = _notices(db)
    return page(request, "notices.html", who, rows=rows, error=error, done=done, status=status)


@router.post("/notices")
def publish(
    request: Request,
    who: Bureau,
    title: Text = "",
    text: Text = "",
    point: Text = "",
    public: Text = "",
    public_from: Text = "",
):
    try:
        with writing(request, who) as db:
            notices.publish_notice(
                db,
                title,
                text,
                point_code=point.strip() or None,
                actor=who.actor,
                public=public == "yes",
                public_from=public_from,
            )
    except CountyError as exc:
        return _notices_page(request, who, error=exc.message, status=status_of(exc))
    return _notices_page(request, who, done="通知已发布，各代办点下次同步时收到。")


@router.get("/staff")
def staff_page(request: Request, who: Admin):
    return _staff_page(request, who)


def _staff_page(request: Request, who: Viewer, error: str = "", created=None, status: int = 200):
    with reading(request) as db:
        users = db.scalars(select(StaffUser).order_by(StaffUser.username)).all()
        towns = db.scalars(select(Township).order_by(Township.name)).all()
    units = load_units()
    return page(
        request,
        "staff.html",
        who,
        users=users,
        towns={t.id: t.name for t in towns},
        units={code: unit.name for code, unit in units.items()},
        roles=ROLE_LABELS,
        error=error,
        created=created,
        status=status,
    )


@router.post("/staff")
def create_staff(
    request: Request,
    who: Admin,
    username: Text = "",
    display_name: Text = "",
    role: Text = "",
    township_id: Text = "",
    unit_code: Text = "",
):
    try:
        with writing(request, who) as db:
            user, password = staff.create_staff(
                db,
                username,
                display_name,
                role,
                township_id=int(township_id) if township_id.isdigit() else None,
                unit_code=unit_code or None,
                actor=who.actor,
            )
            created = (user.username, password)
    except CountyError as exc:
        return _staff_page(request, who, error=exc.message, status=status_of(exc))
    response = _staff_page(request, who, created=created)
    response.headers["Cache-Control"] = "no-store"
    return response
