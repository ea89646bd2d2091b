"""Applications (申请) in the console: the township's first review (乡镇初审) and paper entry, the bureau's review
(县局审核), photos of the premises; every step through county/services/applications.py, scoped by Scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from county.api.errors import status_of
from county.errors import CountyError
from county.models import ApplicationPhoto, PointApplication, Township
from county.services import admin, applications, trainings
from county.services.applications import ApplicationForm, photo_of
from county.services.common import audit
from county.services.staff import BUREAU, StaffRole
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page
from county.web.routes_apply import FIELDS, MAX_BODY, TOO_BIG, _read

router = APIRouter(prefix="/console")
Readers = Annotated[Viewer, allow(*BUREAU, StaffRole.TOWNSHIP, StaffRole.FINANCE)]
Township_ = Annotated[Viewer, allow(StaffRole.TOWNSHIP)]
Bureau = Annotated[Viewer, allow(*BUREAU)]
Unmaskers = Annotated[Viewer, allow(*BUREAU, StaffRole.TOWNSHIP)]
Text = Annotated[str, Form(max_length=2000)]


def _size_first(request: Request) -> None:
    """Before the session's CSRF check reads a multipart body: refuse one larger than three photos at once."""
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_BODY:
        raise ConsoleRefused(413, TOO_BIG)


@router.get("/applications")
def list_page(request: Request, who: Readers):
    with reading(request) as db:
        rows = db.execute(
            who.scope.applications()
            .add_columns(Township.name)
            .join(Township, Township.id == PointApplication.township_id)
            .order_by(PointApplication.updated_at.desc())
            .limit(300)
        ).all()
    waiting = "submitted" if who.role is StaffRole.TOWNSHIP else "passed"
    return page(
        request,
        "applications.html",
        who,
        rows=rows,
        waiting=waiting,
        states=applications.STATES,
        kinds=admin.POINT_KINDS,
        may_enter=who.role is StaffRole.TOWNSHIP,
    )


def _new_page(request: Request, who: Viewer, form: ApplicationForm, error: str = "", status: int = 200):
    with reading(request) as db:
        town = db.get(Township, who.scope.township_id)
    return page(
        request,
        "application_new.html",
        who,
        form=form,
        town=town,
        kinds=admin.POINT_KINDS,
        error=error,
        status=status,
        max_photos=applications.MAX_PHOTOS,
    )


@router.get("/applications/new")
def new_page(request: Request, who: Township_):
    return _new_page(request, who, ApplicationForm())


@router.post("/applications/new", dependencies=[Depends(_size_first)])
async def enter_paper(request: Request, who: Township_):
    """A paper application typed in by the township: its number and check code shown once, to hand over."""
    fields: dict[str, str] = {}
    try:
        fields, contents = await _read(request)
        typed = {name: fields.get(name, "")[:200] for name in FIELDS}
        form = ApplicationForm(**{**typed, "township_id": str(who.scope.township_id)})  # the staff's own township
        photos = [photo_of(content) for content in contents]
        core = request.app.state.core
        with writing(request, who) as db:
            row, code = applications.submit(db, core.pii, form, photos, source="paper", actor=who.actor)
            number, app_id = row.number, row.id
    except CountyError as exc:
        typed = ApplicationForm(**{name: fields.get(name, "")[:200] for name in FIELDS})
        return _new_page(request, who, typed, error=exc.message, status=status_of(exc))
    response = page(request, "application_code.html", who, number=number, code=code, app_id=app_id)
    response.headers["Cache-Control"] = "no-store"
    return response


def _detail(
    request: Request,
    application_id: int,
    who: Viewer,
    error: str = "",
    done: str = "",
    status: int = 200,
    unmasked: applications.Agent | None = None,
):
    core = request.app.state.core
    with reading(request) as db:
        try:
            row = applications.get(db, who.scope, application_id)
        except CountyError as exc:
            raise ConsoleRefused(404, exc.message) from None
        town = db.get(Township, row.township_id)
        point = applications.point_of(db, row)
        cleared = trainings.clearance(db, point, row.agent_name) if point else None
        trained = trainings.application_trained(db, row)
        steps = applications.steps(db, row)
        photos = applications.photo_ids(db, row)
        agent = unmasked or applications.agent_of(core.pii, row)
    may_review = (who.role is StaffRole.TOWNSHIP and row.state == "submitted") or (
        who.role in BUREAU and row.state == "passed"
    )
    return page(
        request,
        "application.html",
        who,
        row=row,
        town=town,
        point=point,
        cleared=cleared,
        trained=trained,
        steps=steps,
        labels=applications.STEP_LABELS,
        states=applications.STATES,
        sources=applications.SOURCES,
        kinds=admin.POINT_KINDS,
        photos=photos,
        agent=agent,
        may_review=may_review,
        bureau=who.role in BUREAU,
        may_unmask=who.role is not StaffRole.FINANCE and unmasked is None,
        unmasked=unmasked is not None,
        error=error,
        done=done,
        status=status,
    )


@router.get("/applications/{application_id}")
def detail(request: Request, application_id: int, who: Readers):
    return _detail(request, application_id, who)


@router.get("/applications/{application_id}/photos/{photo_id}")
def photo(request: Request, application_id: int, photo_id: int, who: Readers):
    with reading(request) as db:
        try:
            applications.get(db, who.scope, application_id)
        except CountyError as exc:
            raise ConsoleRefused(404, exc.message) from None
        found = db.scalar(
            select(ApplicationPhoto).where(
                ApplicationPhoto.id == photo_id, ApplicationPhoto.application_id == application_id
            )
        )
        if found is None:
            raise ConsoleRefused(404, "没有这张照片。")
        data, kind = found.data, found.content_type
    return Response(data, media_type=kind, headers={"Cache-Control": "private, no-store"})


@router.post("/applications/{application_id}/agent")
def unmask(request: Request, application_id: int, who: Unmaskers):
    """The agent's full mobile and ID number, shown once (to call back, to check the paper form); audited."""
    core = request.app.state.core
    with writing(request, who) as db:
        try:
            row = applications.get(db, who.scope, application_id)
        except CountyError as exc:
            raise ConsoleRefused(404, exc.message) from None
        agent = applications.agent_of(core.pii, row, masked=False)
        audit(db, who.actor, "pii.unmask", f"application:{row.number}")
    response = _detail(request, application_id, who, unmasked=agent)
    response.headers["Cache-Control"] = "no-store"
    return response


def _review(request: Request, application_id: int, who: Viewer, work, done: str):
    try:
        with writing(request, who) as db:
            work(db)
    except CountyError as exc:
        return _detail(request, application_id, who, error=exc.message, status=status_of(exc))
    return _detail(request, application_id, who, done=done)


DONE = {
    "pass": "初审通过，已报县局审核。",
    "approve": "审核通过，代办点已建好。代办员培训后即可开通账号。",
    "return": "已退回，申请人会在专区看到原因。",
    "reject": "已记为不通过。",
}


@router.post("/applications/{application_id}/township")
def township_review(request: Request, application_id: int, who: Township_, decision: Text = "", reason: Text = ""):
    return _review(
        request,
        application_id,
        who,
        lambda db: applications.township_review(db, who.scope, application_id, decision, reason, actor=who.actor),
        DONE.get(decision, ""),
    )


@router.post("/applications/{application_id}/bureau")
def bureau_review(request: Request, application_id: int, who: Bureau, decision: Text = "", reason: Text = ""):
    return _review(
        request,
        application_id,
        who,
        lambda db: applications.bureau_review(db, who.scope, application_id, decision, reason, actor=who.actor),
        DONE.get(decision, ""),
    )
