"""The audit log (审计日志): filtered by staff, action and days, its chain verified on every view, exported to
Excel for finance and audit (the export itself is an audited action)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from county.api.errors import status_of
from county.errors import CountyError
from county.services import audit_chain, audit_view
from county.services.common import audit, utcnow
from county.services.staff import StaffRole
from county.web.deps import Viewer, allow, reading, writing
from county.web.render import page
from sync.ledger.events import CHINA_TZ

router = APIRouter(prefix="/console")
Auditors = Annotated[Viewer, allow(StaffRole.BUREAU_ADMIN, StaffRole.FINANCE)]
Field = Annotated[str, Query(max_length=60)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/audit")
def audit_log(
    request: Request, who: Auditors, actor: Field = "", action: Field = "", since: Field = "", until: Field = ""
):
    form = {"actor": actor, "action": action, "since": since, "until": until}
    try:
        wanted = audit_view.AuditFilter.parse(actor, action, since, until)
    except CountyError as exc:
        return _page(request, who, form, [], error=exc.message, status=status_of(exc))
    with reading(request) as db:
        rows = audit_view.rows(db, wanted)
        verdict = audit_chain.verify(db)
    return _page(request, who, form, rows, verdict=verdict)


def _page(request: Request, who: Viewer, form: dict, rows: list, *, verdict=None, error: str = "", status: int = 200):
    return page(
        request,
        "audit.html",
        who,
        form=form,
        rows=rows,
        verdict=verdict,
        role_label=audit_view.role_label,
        detail_text=audit_view.detail_text,
        error=error,
        status=status,
        limit=audit_view.PAGE_ROWS,
    )


@router.get("/audit/export")
def export(
    request: Request, who: Auditors, actor: Field = "", action: Field = "", since: Field = "", until: Field = ""
):
    try:
        wanted = audit_view.AuditFilter.parse(actor, action, since, until)
    except CountyError as exc:
        form = {"actor": actor, "action": action, "since": since, "until": until}
        return _page(request, who, form, [], error=exc.message, status=status_of(exc))
    with writing(request, who) as db:
        found = audit_view.rows(db, wanted, limit=audit_view.EXPORT_ROWS)
        audit(db, who.actor, "audit.export", "audit_log", rows=len(found), filter=wanted.as_detail())
    name = f"audit-{utcnow().astimezone(CHINA_TZ):%Y%m%d-%H%M}.xlsx"
    return Response(
        audit_view.workbook(found),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
