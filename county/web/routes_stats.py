"""Statistics (统计分析): the dashboard of the last 12 months by month, township, item category and service mode,
each table with its chart and an Excel export (an audited action). Figures scoped to the viewer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from county.services import open_data, statistics
from county.services.common import audit, utcnow
from county.services.staff import ALL_ROLES, StaffRole
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page
from sync.ledger.events import CHINA_TZ

router = APIRouter(prefix="/console")
Anyone = Annotated[Viewer, allow(*ALL_ROLES)]
Bureau = Annotated[Viewer, allow(StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVERY_TABLE = "all"


@router.get("/stats")
def stats(request: Request, who: Anyone):
    with reading(request) as db:
        board = statistics.dashboard(db, who.scope, utcnow())
    charts = {name: table.chart() for name, table in board.tables.items()}
    return page(request, "stats.html", who, board=board, charts=charts, labels=statistics.FIGURE_LABELS)


@router.get("/stats/export")
def export(request: Request, who: Anyone, table: Annotated[str, Query(max_length=20)] = EVERY_TABLE):
    with writing(request, who) as db:
        # the page lists the county's busiest points; the workbook every one of them
        board = statistics.dashboard(db, who.scope, utcnow(), every_point=table in (EVERY_TABLE, "point"))
        names = tuple(board.tables) if table == EVERY_TABLE else (table,)
        if not set(names) <= set(board.tables):
            raise ConsoleRefused(404, "没有这张统计表。请回到统计页面，点表格下方的“导出Excel”。")
        audit(db, who.actor, "stats.export", "statistics", tables=list(names), period=board.period)
    name = f"stats-{table}-{utcnow().astimezone(CHINA_TZ):%Y%m%d-%H%M}.xlsx"
    return Response(
        statistics.workbook(board, names),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/stats/open-data")
def open_data_file(request: Request, who: Bureau):
    """The open-data SQLite file of the county's de-identified aggregates (county/services/open_data.py)."""
    now = utcnow()
    with reading(request) as db:  # seconds of reading on a big county: never inside the write gate
        content = open_data.file_bytes(db, now)
    with writing(request, who) as db:
        audit(db, who.actor, "stats.open_data", "statistics", period=statistics.period_of(statistics.window(now)))
    name = f"suishenban-open-data-{now.astimezone(CHINA_TZ):%Y%m%d}.sqlite"
    return Response(
        content,
        media_type="application/vnd.sqlite3",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
