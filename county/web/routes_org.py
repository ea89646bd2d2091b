"""The organisation in the console: townships, points with their sync health, agent accounts, activation codes,
revocation and reinstatement (county/services/admin.py and reinstate.py, as the CLI uses them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select

from county.api.errors import status_of
from county.errors import CountyError
from county.models import Account, Case, Device, InspectionFinding, Point, Township
from county.services import admin, catalogues, directory, reinstate, trainings
from county.services.staff import BUREAU, StaffRole
from county.web import queries
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page

router = APIRouter(prefix="/console")
Bureau = Annotated[Viewer, allow(*BUREAU)]
Overseers = Annotated[Viewer, allow(*BUREAU, StaffRole.FINANCE)]
PointReaders = Annotated[Viewer, allow(*BUREAU, StaffRole.FINANCE, StaffRole.TOWNSHIP)]
Text = Annotated[str, Form(max_length=2000)]


def _townships(db) -> list[tuple[Township, int]]:
    return db.execute(
        select(Township, func.count(Point.id))
        .outerjoin(Point, Point.township_id == Township.id)
        .group_by(Township.id)
        .order_by(Township.name)
    ).all()


@router.get("/townships")
def townships_page(request: Request, who: Overseers):
    return townships(request, who)


def townships(request: Request, who: Viewer, error: str = "", status: int = 200):
    with reading(request) as db:
        rows = _townships(db)
    return page(request, "townships.html", who, rows=rows, error=error, status=status)


@router.post("/townships")
def create_township(request: Request, who: Bureau, name: Text = ""):
    try:
        with writing(request, who) as db:
            admin.create_township(db, name, actor=who.actor)
    except CountyError as exc:
        return townships(request, who, error=exc.message, status=status_of(exc))
    return RedirectResponse("/console/townships", status_code=303)


@router.get("/points")
def points_page(request: Request, who: PointReaders):
    return points(request, who)


def points(request: Request, who: Viewer, error: str = "", status: int = 200):
    with reading(request) as db:
        health = queries.point_health(db, who.scope)
        towns = db.scalars(select(Township).order_by(Township.name)).all() if who.role in BUREAU else []
    return page(
        request, "points.html", who, health=health, towns=towns, kinds=admin.POINT_KINDS, error=error, status=status
    )


@router.post("/points")
def create_point(request: Request, who: Bureau, name: Text = "", township: Text = "", kind: Text = "shop"):
    try:
        with writing(request, who) as db:
            point = admin.create_point(db, name, township, kind=kind, actor=who.actor)
            code = point.code
    except CountyError as exc:
        return points(request, who, error=exc.message, status=status_of(exc))
    return RedirectResponse(f"/console/points/{code}", status_code=303)


@router.get("/points/{code}")
def point_view(request: Request, code: str, who: PointReaders):
    return point_page(request, code, who)


def point_page(
    request: Request, code: str, who: Viewer, error: str = "", status: int = 200, done: str = "", typed: str = ""
):
    """A point's page; ``typed`` is the agent's name a refused account form keeps."""
    with reading(request) as db:
        point = who.scope.point(db, code[:8])
        if point is None:
            raise ConsoleRefused(404, "没有这个代办点，或它不在你的工作范围内。")
        health = queries.point_health(db, who.scope, code=point.code)[0]
        accounts = db.scalars(select(Account).where(Account.point_id == point.id).order_by(Account.id)).all()
        cleared = {a.id: trainings.clearance(db, point, a.name) for a in accounts}
        devices = db.scalars(select(Device).where(Device.point_id == point.id).order_by(Device.device_no)).all()
        town = db.get(Township, point.township_id)
        catalogue = catalogues.catalogue(db)
        open_findings = db.execute(
            select(InspectionFinding.severity, func.count())
            .where(InspectionFinding.point_id == point.id, InspectionFinding.fixed_on.is_(None))
            .group_by(InspectionFinding.severity)
        ).all()
        strays = db.scalars(
            who.scope.cases()
            .where(Case.point_id == point.id, Case.not_offered.is_(True))
            .order_by(Case.recorded_at.desc())
            .limit(50)
        ).all()
    return page(
        request,
        "point.html",
        who,
        point=point,
        health=health,
        accounts=accounts,
        cleared=cleared,
        devices=devices,
        town=town,
        items=catalogue.for_township(town.name if town else "").items,
        strays=strays,
        open_findings=dict(open_findings),
        may_edit=who.role in BUREAU,
        typed=typed,
        error=error,
        done=done,
        status=status,
    )


def code_page(request: Request, who: Viewer, issued: admin.IssuedCode, account: Account, point: Point):
    """The activation code, shown this once (only its hash is kept), laid out to be printed for the agent."""
    response = page(request, "code.html", who, issued=issued, account=account, point=point)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/points/{code}/accounts")
def create_account(request: Request, code: str, who: Bureau, name: Text = "", override: Text = ""):
    """A trained agent's account and its first activation code; untrained only with the bureau's written reason."""
    ttl = timedelta(hours=request.app.state.core.settings.limits.activation_ttl_hours)
    try:
        with writing(request, who) as db:
            account = admin.create_account(db, code[:8], name, actor=who.actor, override_reason=override)
            issued = admin.issue_activation_code(db, account.id, ttl=ttl, actor=who.actor)
            point = db.get(Point, account.point_id)
    except CountyError as exc:
        return point_page(request, code, who, error=exc.message, status=status_of(exc), typed=name[:40])
    return code_page(request, who, issued, account, point)


def _account(db, code: str, account_id: int) -> Account:
    account = db.get(Account, account_id)
    point = db.get(Point, account.point_id) if account else None
    if account is None or point is None or point.code != code:
        raise ConsoleRefused(404, "这个代办点没有这个代办员账号。")
    return account


@router.post("/points/{code}/accounts/{account_id}/code")
def issue_code(request: Request, code: str, account_id: int, who: Bureau, override: Text = ""):
    ttl = timedelta(hours=request.app.state.core.settings.limits.activation_ttl_hours)
    try:
        with writing(request, who) as db:
            account = _account(db, code, account_id)
            issued = admin.issue_activation_code(db, account.id, ttl=ttl, actor=who.actor, override_reason=override)
            point = db.get(Point, account.point_id)
    except CountyError as exc:
        return point_page(request, code, who, error=exc.message, status=status_of(exc))
    return code_page(request, who, issued, account, point)


@router.post("/points/{code}/accounts/{account_id}/revoke")
def revoke_account(request: Request, code: str, account_id: int, who: Bureau, reason: Text = ""):
    return _change(request, code, who, lambda db: _revoke_account(db, code, account_id, reason, who), "账号已注销。")


def _revoke_account(db, code: str, account_id: int, reason: str, who: Viewer) -> None:
    _account(db, code, account_id)
    if not reason.strip():
        raise admin.AdminError("请写明注销原因，它会记入审计日志并告诉代办点。什么都没有改。")
    admin.revoke_account(db, account_id, reason, actor=who.actor)


@router.post("/points/{code}/accounts/{account_id}/reinstate")
def reinstate_account(request: Request, code: str, account_id: int, who: Bureau, reason: Text = ""):
    def work(db) -> None:
        _account(db, code, account_id)
        reinstate.reinstate_account(db, account_id, reason, actor=who.actor)

    return _change(request, code, who, work, "账号已恢复。")


@router.post("/points/{code}/listing")
def set_listing(
    request: Request,
    code: str,
    who: Bureau,
    village: Text = "",
    address: Text = "",
    hours: Text = "",
    phone: Text = "",
    phone_public: Text = "",
):
    """What the 专区 directory shows of the point; the phone only with the point's consent (a ticked box)."""

    def work(db) -> None:
        directory.set_listing(
            db,
            code[:8],
            village=village,
            address=address,
            hours=hours,
            phone=phone,
            phone_public=phone_public == "yes",
            actor=who.actor,
        )

    return _change(request, code, who, work, "专区名录已更新。")


def _change(request: Request, code: str, who: Viewer, work, done: str):
    try:
        with writing(request, who) as db:
            work(db)
    except CountyError as exc:
        return point_page(request, code, who, error=exc.message, status=status_of(exc))
    return point_page(request, code, who, done=done)
