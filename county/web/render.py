"""Console pages: the Jinja2 environment, the menu each role sees, and one function that renders a page."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from county.services.staff import BUREAU, StaffRole
from county.web.deps import Viewer
from sync.ledger.events import CHINA_TZ

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
HTMX = "htmx.org-2.0.4"
ECHARTS = "echarts-5.6.0"  # loaded by the statistics page only

# (path, label, roles): the menu, in order
MENU: tuple[tuple[str, str, frozenset[StaffRole]], ...] = (
    ("/console/", "工作台", frozenset(StaffRole)),
    ("/console/queue", "待办办件", frozenset({StaffRole.DEPARTMENT})),
    ("/console/cases", "办件查询", frozenset(StaffRole)),
    ("/console/consultations", "咨询", frozenset({*BUREAU, StaffRole.DEPARTMENT, StaffRole.FINANCE})),
    ("/console/points", "代办点", frozenset({*BUREAU, StaffRole.TOWNSHIP, StaffRole.FINANCE})),
    ("/console/applications", "申请", frozenset({*BUREAU, StaffRole.TOWNSHIP, StaffRole.FINANCE})),
    ("/console/training", "培训", frozenset({*BUREAU, StaffRole.TOWNSHIP, StaffRole.FINANCE})),
    ("/console/stats", "统计分析", frozenset(StaffRole)),
    ("/console/townships", "乡镇", frozenset({*BUREAU, StaffRole.FINANCE})),
    ("/console/settlements", "季度结算", frozenset({*BUREAU, StaffRole.TOWNSHIP, StaffRole.FINANCE})),
    ("/console/fraud", "刷单复核", frozenset({*BUREAU, StaffRole.TOWNSHIP, StaffRole.FINANCE})),
    ("/console/notices", "通知公告", frozenset(BUREAU)),
    ("/console/workdays", "工作日表", frozenset({*BUREAU, StaffRole.FINANCE})),
    ("/console/guides", "办事指南", frozenset({*BUREAU, StaffRole.FINANCE, StaffRole.DEPARTMENT})),
    ("/console/staff", "工作人员账号", frozenset({StaffRole.BUREAU_ADMIN})),
    ("/console/api-clients", "接口客户端", frozenset(BUREAU)),
    ("/console/audit", "审计日志", frozenset({StaffRole.BUREAU_ADMIN, StaffRole.FINANCE})),
)


def china_time(moment) -> str:
    """A stored instant as the county reads it: 2026年11月27日 09:30."""
    if moment is None:
        return "—"
    if isinstance(moment, str):
        return moment[:16].replace("T", " ")
    from county.services.common import aware

    return aware(moment).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


TEMPLATES.env.filters["china_time"] = china_time
TEMPLATES.env.globals["htmx"] = HTMX
TEMPLATES.env.globals["echarts"] = ECHARTS


def page(request: Request, name: str, who: Viewer | None, *, status: int = 200, **context) -> HTMLResponse:
    menu = [(path, label) for path, label, roles in MENU if who is not None and who.stage == "ok" and who.role in roles]
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {"who": who, "menu": menu, "path": request.url.path, **context},
        status_code=status,
    )


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
