"""季度结算 in the console: the bureau runs, publishes and corrects a quarter; a township reads its points' lines,
downloads its 发放清单 and 签收单 and records each hand-out; finance/audit read everything (services:
county/services/settlement*.py). A township sees published versions only, and only its own points' lines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from county.api.errors import status_of
from county.errors import CountyError, Refusal
from county.models import Settlement
from county.services import settlement, settlement_publish, settlement_release, settlement_views
from county.services.staff import BUREAU, StaffRole
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page

router = APIRouter(prefix="/console/settlements")
Bureau = Annotated[Viewer, allow(*BUREAU)]
Admin = Annotated[Viewer, allow(StaffRole.BUREAU_ADMIN)]
Township = Annotated[Viewer, allow(StaffRole.TOWNSHIP)]
Readers = Annotated[Viewer, allow(*BUREAU, StaffRole.FINANCE, StaffRole.TOWNSHIP)]
Text = Annotated[str, Form(max_length=500)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible(who: Viewer, row: Settlement | None) -> Settlement:
    if row is None or (who.role is StaffRole.TOWNSHIP and row.state != settlement.PUBLISHED):
        raise ConsoleRefused(404, "没有这份结算，或它还没有发布。")
    return row


@router.get("")
def settlements_page(request: Request, who: Readers):
    return _list(request, who)


def _list(request: Request, who: Viewer, error: str = "", status: int = 200, form: dict | None = None):
    with reading(request) as db:
        query = select(Settlement).order_by(Settlement.quarter.desc(), Settlement.version.desc())
        if who.role is StaffRole.TOWNSHIP:
            query = query.where(Settlement.state == settlement.PUBLISHED)
        rows = db.scalars(query).all()
    return page(
        request,
        "settlements.html",
        who,
        rows=rows,
        may_run=who.role in BUREAU,
        error=error,
        form=form or {},
        status=status,
    )


@router.post("")
def run_settlement(request: Request, who: Bureau, quarter: Text = "", value: Text = "", reason: Text = ""):
    try:
        with writing(request, who) as db:
            row = settlement.run(db, quarter.strip(), value, actor=who.actor, reason=reason)
            target = row.id
    except CountyError as exc:
        form = {"quarter": quarter, "value": value, "reason": reason}
        return _list(request, who, error=exc.message, status=status_of(exc), form=form)
    return RedirectResponse(f"/console/settlements/{target}", status_code=303)


@router.get("/{settlement_id}")
def settlement_view(request: Request, settlement_id: int, who: Readers):
    return _detail(request, settlement_id, who)


def _detail(request: Request, settlement_id: int, who: Viewer, error: str = "", done: str = "", status: int = 200):
    with reading(request) as db:
        row = _visible(who, db.get(Settlement, settlement_id))
        lines = settlement_views.lines_for(db, row, who.scope)
        groups = settlement_views.by_township(lines)
        mine = {line["point_id"] for line in lines}
        clawbacks = [c for c in settlement_publish.clawbacks_of(db, row) if c["point_id"] in mine]
        codes = {line["point_id"]: line["point_code"] for line in lines}
        changes = settlement_publish.difference(db, row, who.scope)
        before = settlement_publish.previous_version(db, row)
        in_force = settlement.effective(db, row.quarter)
        may_release = who.role is StaffRole.BUREAU_ADMIN and row.state == settlement.DRAFT
        held = [line["point_id"] for line in lines if line["hold_reason"]]
        releasable = settlement_release.releasable(db, row, held) if may_release else {}
    return page(
        request,
        "settlement.html",
        who,
        row=row,
        groups=groups,
        months=settlement.quarter_months(row.quarter),
        clawbacks=clawbacks,
        codes=codes,
        changes=changes,
        before=before,
        in_force=in_force is not None and in_force.id == row.id,
        may_publish=who.role in BUREAU and row.state == settlement.DRAFT,
        may_correct=who.role in BUREAU and in_force is not None and in_force.id == row.id,
        may_hand_out=who.role is StaffRole.TOWNSHIP,
        releasable=releasable,
        error=error,
        done=done,
        status=status,
    )


@router.post("/{settlement_id}/publish")
def publish(request: Request, settlement_id: int, who: Bureau, content_hash: Text = ""):
    try:
        with writing(request, who) as db:
            settlement_publish.publish(db, settlement_id, actor=who.actor, seen_hash=content_hash.strip())
    except CountyError as exc:
        return _detail(request, settlement_id, who, error=exc.message, status=status_of(exc))
    return RedirectResponse(f"/console/settlements/{settlement_id}", status_code=303)


@router.post("/{settlement_id}/release")
def release_hold(request: Request, settlement_id: int, who: Admin, point_id: Text = "", reason: Text = ""):
    """解除暂缓 for one point in a draft (the bureau admin only; the reason is shown on the statement)."""
    try:
        with writing(request, who) as db:
            if not point_id.isdigit():
                raise CountyError(Refusal.INVALID, "point", "请从结算表中选择要解除暂缓的代办点。没有解除。")
            line = settlement_release.release(db, settlement_id, int(point_id), reason, actor=who.actor)
            done = f"已解除 {line.point_code} {line.point_name} 的暂缓，本季实发 {line.payout} 元；草稿已重新计算，请核对后发布。"
    except CountyError as exc:
        return _detail(request, settlement_id, who, error=exc.message, status=status_of(exc))
    return _detail(request, settlement_id, who, done=done)


@router.post("/{settlement_id}/handouts")
def record_handout(
    request: Request, settlement_id: int, who: Township, line_id: Text = "", handed_on: Text = "", receiver: Text = ""
):
    try:
        with writing(request, who) as db:
            if not line_id.isdigit():
                raise CountyError(Refusal.INVALID, "line", "请从结算表中选择代办点登记发放。没有保存。")
            settlement_publish.record_handout(db, int(line_id), handed_on, receiver, actor=who.actor, scope=who.scope)
    except CountyError as exc:
        return _detail(request, settlement_id, who, error=exc.message, status=status_of(exc))
    return _detail(request, settlement_id, who, done=f"已登记发放：{receiver.strip()}，{handed_on.strip()}。")


def _download(data: bytes, media: str, name: str) -> Response:
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/{settlement_id}/workbook.xlsx")
def workbook(request: Request, settlement_id: int, who: Readers):
    with reading(request) as db:
        row = _visible(who, db.get(Settlement, settlement_id))
        label = "本乡镇" if who.role is StaffRole.TOWNSHIP else "全县"
        data = settlement_views.workbook_for(db, row, who.scope, label)
    return _download(data, XLSX, f"settlement-{row.quarter}-v{row.version}.xlsx")


@router.get("/{settlement_id}/townships/{township_id}/list.pdf")
def distribution_list(request: Request, settlement_id: int, township_id: int, who: Readers):
    return _paper(request, settlement_id, township_id, who, "list")


@router.get("/{settlement_id}/townships/{township_id}/slips.pdf")
def receipt_slips(request: Request, settlement_id: int, township_id: int, who: Readers, point: str = ""):
    return _paper(request, settlement_id, township_id, who, "slips", point[:4])


def _paper(request: Request, settlement_id: int, township_id: int, who: Viewer, kind: str, point: str = ""):
    try:
        with reading(request) as db:
            row = _visible(who, db.get(Settlement, settlement_id))
            if kind == "list":
                data = settlement_views.distribution_list_for(db, row, who.scope, township_id)
            else:
                data = settlement_views.receipt_slips_for(db, row, who.scope, township_id, point or None)
    except CountyError as exc:
        raise ConsoleRefused(status_of(exc), exc.message) from None
    suffix = f"-{point}" if point else ""
    return _download(data, "application/pdf", f"{kind}-{row.quarter}-v{row.version}-{township_id}{suffix}.pdf")
