"""A point's inspections (督查) and its revocation (撤销) in the console: county/services/inspections.py and
revocation.py. The bureau, the point's township and finance/audit read a point's record (scope.py); the bureau
and the township record inspections and fixes; only the bureau revokes and reinstates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from county.api.errors import status_of
from county.errors import CountyError
from county.models import Account, Device, Inspection, InspectionFinding, InspectionPhoto, Point
from county.services import inspections, reinstate, revocation
from county.services.staff import BUREAU, StaffRole
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page

router = APIRouter(prefix="/console")
Bureau = Annotated[Viewer, allow(*BUREAU)]
Inspectors = Annotated[Viewer, allow(*BUREAU, StaffRole.TOWNSHIP)]
Readers = Annotated[Viewer, allow(*BUREAU, StaffRole.FINANCE, StaffRole.TOWNSHIP)]
Text = Annotated[str, Form(max_length=2000)]
Texts = Annotated[list[str], Form()]
NOT_YOURS = "没有这个代办点，或它不在你的工作范围内。"


def _point(db, who: Viewer, code: str) -> Point:
    point = who.scope.point(db, code[:8])
    if point is None:
        raise ConsoleRefused(404, NOT_YOURS)
    return point


@router.get("/points/{code}/inspections")
def inspections_page(request: Request, code: str, who: Readers):
    return _inspections(request, code, who)


def _inspections(request: Request, code: str, who: Viewer, error: str = "", done: str = "", status: int = 200):
    with reading(request) as db:
        point = _point(db, who, code)
        record = inspections.of_point(db, point.id)
    return page(
        request,
        "inspections.html",
        who,
        point=point,
        record=record,
        kinds=inspections.KINDS,
        checks=inspections.CHECKS,
        results=inspections.RESULTS,
        severities=inspections.SEVERITIES,
        today=inspections.today(),
        may_record=who.role in BUREAU or who.role is StaffRole.TOWNSHIP,
        max_photo_mb=inspections.MAX_PHOTO_BYTES // 1024 // 1024,
        max_photos=inspections.MAX_PHOTOS,
        error=error,
        done=done,
        status=status,
    )


def _read(upload: UploadFile) -> bytes:
    """At most one byte past the limit is read: enough to refuse it, never the whole of a huge upload."""
    return upload.file.read(inspections.MAX_PHOTO_BYTES + 1)


@router.post("/points/{code}/inspections")
def record_inspection(
    request: Request,
    code: str,
    who: Inspectors,
    inspected_on: Text = "",
    inspector: Text = "",
    note: Text = "",
    check_sign: Text = "",
    check_poster: Text = "",
    check_ledger: Text = "",
    check_no_fee: Text = "",
    check_materials: Text = "",
    severity: Texts = [],  # noqa: B006 — FastAPI copies list defaults per request
    description: Texts = [],  # noqa: B006
    fix_required: Texts = [],  # noqa: B006
    fix_days: Texts = [],  # noqa: B006
    photos: Annotated[list[UploadFile], File()] = [],  # noqa: B006
):
    checklist = {
        "sign": check_sign,
        "poster": check_poster,
        "ledger": check_ledger,
        "no_fee": check_no_fee,
        "materials": check_materials,
    }
    findings = [
        inspections.FindingDraft(s, d, f, n)
        for s, d, f, n in zip(severity, description, fix_required, fix_days, strict=False)
        if d.strip() or f.strip() or s
    ]
    try:
        pictures = [_read(p) for p in photos if p.filename]
        with writing(request, who) as db:
            point = _point(db, who, code)
            inspections.record(
                db,
                point,
                kind="township" if who.role is StaffRole.TOWNSHIP else "bureau",
                inspected_on=inspected_on,
                inspector=inspector,
                checklist=checklist,
                note=note,
                findings=findings,
                photos=pictures,
                actor=who.actor,
            )
    except CountyError as exc:
        return _inspections(request, code, who, error=exc.message, status=status_of(exc))
    return RedirectResponse(f"/console/points/{code[:8]}/inspections?saved=1", status_code=303)


@router.post("/points/{code}/findings/{finding_id}/fixed")
def record_fix(request: Request, code: str, finding_id: int, who: Inspectors, fixed_on: Text = "", fix_note: Text = ""):
    try:
        with writing(request, who) as db:
            point = _point(db, who, code)
            finding = db.get(InspectionFinding, finding_id)
            if finding is None or finding.point_id != point.id:
                raise ConsoleRefused(404, "这个代办点没有这个督查问题。")
            inspections.record_fix(db, finding, fixed_on, fix_note, actor=who.actor)
    except CountyError as exc:
        return _inspections(request, code, who, error=exc.message, status=status_of(exc))
    return _inspections(request, code, who, done="已记为整改完成。")


@router.get("/points/{code}/photos/{photo_id}")
def photo(request: Request, code: str, photo_id: int, who: Readers):
    with reading(request) as db:
        point = _point(db, who, code)
        row = db.get(InspectionPhoto, photo_id)
        inspection = db.get(Inspection, row.inspection_id) if row else None
        if row is None or inspection is None or inspection.point_id != point.id:
            raise ConsoleRefused(404, "没有这张照片。")
        data, kind = row.data, row.content_type
    return Response(data, media_type=kind, headers={"Cache-Control": "private, no-store"})


# ---- revocation ------------------------------------------------------------------------------------------------
@router.get("/points/{code}/revocation")
def revocation_page(request: Request, code: str, who: Readers):
    return _revocation(request, code, who)


def _revocation(request: Request, code: str, who: Viewer, error: str = "", done: str = "", status: int = 200):
    with reading(request) as db:
        point = _point(db, who, code)
        findings = db.scalars(
            select(InspectionFinding)
            .where(InspectionFinding.point_id == point.id)
            .order_by(InspectionFinding.fixed_on.is_not(None), InspectionFinding.id.desc())
        ).all()
        accounts = db.scalars(select(Account).where(Account.point_id == point.id).order_by(Account.id)).all()
        devices = db.scalars(select(Device).where(Device.point_id == point.id).order_by(Device.device_no)).all()
        history = [(r, revocation.cancelled(db, r)) for r in revocation.history(db, point.id)]
    return page(
        request,
        "revocation.html",
        who,
        point=point,
        findings=findings,
        severities=inspections.SEVERITIES,
        accounts=accounts,
        devices=devices,
        accounts_by_id={str(a.id): a for a in accounts},
        devices_by_id={d.id: d for d in devices},
        history=history,
        may_edit=who.role in BUREAU,
        error=error,
        done=done,
        status=status,
    )


@router.post("/points/{code}/revoke")
def revoke_point(
    request: Request, code: str, who: Bureau, reason: Text = "", finding_id: Text = "", clawback_from: Text = ""
):
    try:
        with writing(request, who) as db:
            _point(db, who, code)
            chosen = finding_id.strip()
            if chosen and not (chosen.isascii() and chosen.isdigit()):
                raise ConsoleRefused(400, "请从列表里选择作为依据的督查问题。")
            done = revocation.revoke_point(
                db,
                code,
                reason,
                actor=who.actor,
                finding_id=int(chosen) if chosen else None,
                clawback_from=clawback_from,
            )
            cut = revocation.cancelled(db, done)
    except CountyError as exc:
        return _revocation(request, code, who, error=exc.message, status=status_of(exc))
    words = f"代办点已撤销：同时注销了 {len(cut['account'])} 个账号、停用了 {len(cut['device'])} 台设备"
    if cut["case"]:
        words += f"，{len(cut['case'])} 件办件取消积分（收回奖补，在季度结算中扣回）"
    return _revocation(request, code, who, done=words + "。它的电脑下次联网时会停用。")


@router.post("/points/{code}/reinstate")
def reinstate_point(request: Request, code: str, who: Bureau, reason: Text = ""):
    try:
        with writing(request, who) as db:
            _point(db, who, code)
            result = reinstate.reinstate_point(db, code[:8], reason, actor=who.actor)
            words = f"代办点已恢复，{len(result.working)} 台设备可以重新同步"
            if result.stopped:
                words += f"；{len(result.stopped)} 台仍停用（被单独停用或账号被单独注销）"
    except CountyError as exc:
        return _revocation(request, code, who, error=exc.message, status=status_of(exc))
    return _revocation(request, code, who, done=words + "。")
