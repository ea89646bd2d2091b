"""The case search as an Excel workbook (导出): in the viewer's scope, masked for roles without need, audited."""

from __future__ import annotations

from io import BytesIO
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from openpyxl import Workbook
from sqlalchemy import func, select

from county.models import Point, Township
from county.services import return_mailings
from county.services.common import audit
from county.services.staff import ALL_ROLES, StaffRole
from county.web import queries
from county.web.case_work import DueDates
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.routes_cases import case_query
from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import china_now
from sync.ledger.kinds import CASE_STATE_LABELS, SERVICE_MODE_LABELS, CaseState, ServiceMode

router = APIRouter(prefix="/console")
Anyone = Annotated[Viewer, allow(*ALL_ROLES)]
Short = Annotated[str, Query(max_length=20)]
EXPORT_LIMIT = 5000  # rows per workbook: a wider search is asked to narrow its dates
# Who gets the applicant's personal data in full: the department that works the case and must reach the
# applicant. Every other role gets it masked (3602**********123X, 138****5678), as on screen.
UNMASKED_ROLES = frozenset({StaffRole.DEPARTMENT})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = (
    "回执编号",
    "乡镇",
    "代办点编号",
    "代办点",
    "事项编码",
    "事项",
    "服务方式",
    "登记日期",
    "状态",
    "材料签收时间",
    "办理时限",
    "申请人",
    "证件号码",
    "手机号",
    "部门回寄",
)


@router.get("/cases/export")
def export_cases(
    request: Request,
    who: Anyone,
    receipt: Annotated[str, Query(max_length=40)] = "",
    state: Short = "",
    point: Annotated[str, Query(max_length=8)] = "",
    item: Annotated[str, Query(max_length=10)] = "",
    mode: Short = "",
    since: Short = "",
    until: Short = "",
):
    query = case_query(receipt, state, point, item, mode, since, until)
    masked = who.role not in UNMASKED_ROLES
    found = queries.case_query(who.scope, query)
    with reading(request) as db:
        total = db.scalar(select(func.count()).select_from(found.order_by(None).subquery())) or 0
        if total > EXPORT_LIMIT:
            raise ConsoleRefused(400, f"查到 {total} 件，一次最多导出 {EXPORT_LIMIT} 件。请缩小登记日期范围后再导出。")
        rows = db.execute(
            found.add_columns(Point.name, Township.name).join(Township, Township.id == Point.township_id)
        ).all()
        dues = DueDates(db)
        box = request.app.state.core.pii
        items = {entry.code: entry.name for entry in load_catalogue().items}
        handed = return_mailings.handed_labels(db, [row[0].case_id for row in rows])
        lines = [
            _line(case, code, point_name, town, items, dues, queries.applicant(db, box, case, masked=masked))
            + (handed.get(case.case_id, ""),)
            for case, code, point_name, town in rows
        ]
    with writing(request, who) as db:  # the export itself is recorded: what was asked, how many, masked or not
        audit(db, who.actor, "cases.export", "cases", query=query.as_params(), rows=len(lines), masked=masked)
    return Response(
        _workbook(lines),
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(_file_name())}"},
    )


def _line(case, code, point_name, town, items: dict[str, str], dues: DueDates, person: dict[str, str]) -> tuple:
    return (
        case.receipt_no,
        town,
        code,
        point_name,
        case.item_code,
        items.get(case.item_code, case.item_code),
        SERVICE_MODE_LABELS.get(ServiceMode(case.mode)) if case.mode in set(ServiceMode) else case.mode,
        case.business_date,
        CASE_STATE_LABELS[CaseState(case.state)],
        (case.materials_signed_at or "")[:16].replace("T", " "),
        dues.of(case).label,
        person.get("姓名", ""),
        person.get("身份证号") or person.get("统一社会信用代码", ""),
        person.get("手机号", ""),
    )


def _workbook(lines: list[tuple]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "办件"
    sheet.append(HEADER)
    for line in lines:
        sheet.append(line)
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _file_name() -> str:
    return f"办件查询-{china_now():%Y%m%d-%H%M}.xlsx"
