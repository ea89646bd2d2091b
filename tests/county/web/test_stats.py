"""The statistics page (统计分析): its figures against a known history, on SQLite and PostgreSQL; the county's
figure is the sum of its townships; the monthly cap; the Excel export read back and audited; scoping by role."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from county.models import AuditLog
from county.services import statistics
from county.services.common import utcnow
from county.services.scope import Scope
from county.services.statistics import window
from sync.ledger.catalogue import load_catalogue
from tests.county.web.conftest import sign_in
from tests.county.web.stats_data import EXPECTED_MONTHS, FL012_POINTS, add_history

ALL_COLUMNS = ("cases", "points", "capped", "mailings")
EVERY_TABLE = (
    "month",
    "quarter",
    "township",
    "item",
    "category",
    "class",
    "mode",
    "speed_township",
    "speed_item",
    "consult",
    "sync",
)
SHEETS = {
    "month": "按月份",
    "quarter": "按季度",
    "township": "按乡镇",
    "point": "按代办点",
    "item": "按事项",
    "category": "按事项类别",
    "class": "按积分类别",
    "mode": "按服务方式",
    "speed_township": "各乡镇办理时效",
    "speed_item": "各事项办理时效",
    "consult": "咨询答复",
    "sync": "各乡镇同步情况",
}


def tables(html: str) -> dict[str, dict[str, dict[str, int]]]:
    """The page's tables as {table: {row label (and 合计): {figure: value}}}, read from the HTML itself."""
    out = {}
    for name, body in re.findall(r'<table id="table-(\w+)">(.*?)</table>', html, re.S):
        rows = {}
        for label, cells in re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', body, re.S):
            rows[label] = {k: _value(v) for k, v in re.findall(r'data-(?:figure|total)="(\w+)">([^<]*)<', cells)}
        out[name] = rows
    return out


def _value(text: str) -> int | str:
    """A cell as shown: a count as a number, "—" and a time as they are."""
    return int(text) if text.isdigit() else text


def signed_in(console, username: str):
    client = console.client()
    assert sign_in(client, username).status_code == 303
    return client


def test_the_window_is_the_last_twelve_months_in_china_time():
    from datetime import UTC, datetime

    months = window(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))  # 1 December 00:30 in China
    assert months == tuple(f"2026-{m:02d}" for m in range(1, 13))


def test_an_exported_label_stays_text():
    rows = (statistics.Row("1", '=HYPERLINK("http://x")', {"cases": 2, "points": 3}),)
    table = statistics.Table("township", "按乡镇", "乡镇", ("cases", "points"), rows)
    board = statistics.Dashboard(("2026-11",), {"township": table})
    sheet = load_workbook(io.BytesIO(statistics.workbook(board, ("township",))))["按乡镇"]
    assert sheet["A3"].data_type == "s" and sheet["A3"].value.startswith("=HYPERLINK")
    assert [c.value for c in sheet[4]] == ["合计", 2, 3]


def test_the_figures_match_a_known_history(console):
    add_history(console)
    page = signed_in(console, "bureau.clerk").get("/console/stats")
    assert page.status_code == 200
    found = tables(page.text)
    month = found["month"]
    assert list(month)[:12] == list(window_of_test_day()) and "合计" in month
    for key in window_of_test_day():
        cases, points, mailings = EXPECTED_MONTHS.get(key, (0, 0, 0))
        assert month[key] == {"cases": cases, "points": points, "capped": points, "mailings": mailings}, key
    assert month["合计"] == {"cases": 9, "points": 12, "capped": 12, "mailings": 1}
    assert found["township"] == {
        "瑶里镇": {"cases": 7, "points": 12, "capped": 12, "mailings": 1},
        "经公桥镇": {"cases": 2, "points": 0, "capped": 0, "mailings": 0},
        "合计": {"cases": 9, "points": 12, "capped": 12, "mailings": 1},
    }
    category = found["category"]
    assert list(category) == [*load_catalogue().categories(), "合计"]
    assert category["金融服务"] == {"cases": 7, "points": 12} and category["行政审批"] == {"cases": 2, "points": 0}
    assert found["mode"] == {
        "代办点": {"cases": 7, "points": 2 * FL012_POINTS},
        "上户": {"cases": 1, "points": FL012_POINTS},
        "活动日": {"cases": 1, "points": FL012_POINTS},
        "合计": {"cases": 9, "points": 12},
    }
    assert 'id="stats-data"' in page.text and "echarts-5.6.0/echarts.min.js" in page.text


def window_of_test_day() -> tuple[str, ...]:
    return ("2025-12", *(f"2026-{m:02d}" for m in range(1, 12)))


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_county_figure_is_the_sum_of_its_parts(console):
    add_history(console)
    board = _board(console, "bureau_clerk")
    month, township = board.tables["month"].total, board.tables["township"].total
    assert month == township and set(month) == set(ALL_COLUMNS)
    for name in ("category", "mode"):
        assert board.tables[name].total == {c: month[c] for c in ("cases", "points")}
    for each in ("township_a", "township_b"):
        own = _board(console, each).tables["township"]
        assert len(own.rows) == 1 and own.rows[0].figures == township_row(board, own.rows[0].label)


def township_row(board, label: str) -> dict:
    return next(r.figures for r in board.tables["township"].rows if r.label == label)


def _board(console, user: str):

    with console.county.session() as db:
        return statistics.dashboard(db, Scope.of(db.merge(console.users[user])), utcnow())


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_monthly_cap_cuts_each_point_and_month_alone(console, monkeypatch):
    from county.services import stats_aggregates

    monkeypatch.setattr(statistics, "MONTHLY_CAP", FL012_POINTS)  # March's 6 points of one point are cut to 3
    monkeypatch.setattr(stats_aggregates, "MONTHLY_CAP", FL012_POINTS)  # the (month, township) triggers' cap
    with console.county.session() as db:
        stats_aggregates.uninstall_township(db.connection())
        stats_aggregates.install_township(db.connection())
        db.commit()
    add_history(console)
    for user in ("bureau_clerk", "township_a"):  # the county's (month, township) rows; a township's point rows
        board = _board(console, user)
        capped = {r.key: r.figures["capped"] for r in board.tables["month"].rows if r.figures["capped"]}
        assert capped == {"2026-03": 3, "2026-10": 3, "2026-11": 3}
        assert township_row(board, "瑶里镇")["capped"] == 9 and township_row(board, "瑶里镇")["points"] == 12
    point = _board(console, "bureau_clerk").tables["point"]
    assert sum(r.figures["capped"] for r in point.rows) == 9


def test_the_county_page_lists_the_busiest_points_and_the_export_all(console, monkeypatch):
    add_history(console)
    monkeypatch.setattr(statistics, "POINTS_SHOWN", 1)
    client = signed_in(console, "finance")
    html = client.get("/console/stats").text
    page = tables(html)
    with console.county.session() as db:
        every = statistics.dashboard(db, Scope.of(db.merge(console.users["finance"])), utcnow(), every_point=True)
    everyone = {r.label: r.figures for r in every.tables["point"].rows}
    busiest = max(everyone, key=lambda label: everyone[label]["cases"])
    assert len(everyone) > 1 and every.tables["point"].of_all == 0
    assert page["point"] == {busiest: everyone[busiest], "全部代办点合计": page["month"]["合计"]}
    assert f"共 {len(everyone)} 个代办点，这里只列出办件数最多的 1 个" in html
    response = client.get("/console/stats/export?table=point")
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))[2:]
    assert {r[0] for r in rows} == {*everyone, "合计"} and rows[-1][1:] == tuple(page["month"]["合计"].values())


def test_the_export_reads_back_as_the_page_and_is_audited(console):
    add_history(console)
    client = signed_in(console, "finance")
    page = tables(client.get("/console/stats").text)
    response = client.get("/console/stats/export")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(response.content))
    names = list(page)  # every table of the page, in its order
    assert names == [*EVERY_TABLE[:3], "point", *EVERY_TABLE[3:]]
    assert book.sheetnames == [SHEETS[name] for name in names]
    for sheet, name in zip(book.worksheets, names, strict=True):
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0].endswith("（截至现在）" if name == "sync" else "（2025-12 至 2026-11）")
        headings = rows[1][1:]
        read = {r[0]: dict(zip(headings, r[1:], strict=True)) for r in rows[2:]}
        shown = {
            label: {statistics.FIGURE_LABELS[k]: v for k, v in figures.items()} for label, figures in page[name].items()
        }
        assert read == shown, name
    one = load_workbook(io.BytesIO(client.get("/console/stats/export", params={"table": "mode"}).content))
    assert one.sheetnames == ["按服务方式"]
    assert client.get("/console/stats/export", params={"table": "cases"}).status_code == 404
    with console.county.session() as db:
        logged = db.scalars(select(AuditLog).where(AuditLog.action == "stats.export").order_by(AuditLog.id)).all()
    assert [row.detail["tables"] for row in logged] == [names, ["mode"]]
    assert logged[0].actor == "staff:finance" and logged[0].role == "finance"


def test_a_township_sees_and_exports_only_its_own(console):
    add_history(console)
    client = signed_in(console, "township.b")
    html = client.get("/console/stats").text
    found = tables(html)
    assert "瑶里镇" not in html and list(found["township"]) == ["经公桥镇", "合计"]
    assert found["month"]["合计"] == {"cases": 2, "points": 0, "capped": 0, "mailings": 0}
    assert found["mode"]["合计"] == {"cases": 2, "points": 0}
    book = load_workbook(io.BytesIO(client.get("/console/stats/export").content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row]
    assert "瑶里镇" not in cells and "经公桥镇" in cells
    month = list(book["按月份"].iter_rows(values_only=True))
    assert month[-1] == ("合计", 2, 0, 0, 0)
    own = tables(signed_in(console, "township.a").get("/console/stats").text)
    assert list(own["township"]) == ["瑶里镇", "合计"] and own["month"]["合计"]["cases"] == 7


def test_a_department_sees_its_items_cases_and_no_mailings(console):
    add_history(console)
    client = signed_in(console, "department")  # 县市场监管局: FL015, not the FL012 withdrawals
    found = tables(client.get("/console/stats").text)
    assert found["month"]["合计"] == {"cases": 2, "points": 0}  # no capped points, no mailings
    assert found["category"]["行政审批"] == {"cases": 2, "points": 0} and found["category"]["金融服务"]["cases"] == 0
    book = load_workbook(io.BytesIO(client.get("/console/stats/export", params={"table": "month"}).content))
    assert list(book["按月份"].iter_rows(values_only=True))[1] == ("月份", "办件数", "办件积分")
