"""咨询答复 in 统计分析: per answering unit, questions received, answered, on time, overdue open and the working days
taken, against a known set of consultations on SQLite and PostgreSQL; the county's figure is the sum of its units
(each unit seen through its own scope); the Excel sheet read back cell by cell; scoped by role."""

from __future__ import annotations

import io
from datetime import date, datetime

import time_machine
from openpyxl import load_workbook
from sqlalchemy import func, select

from county.models import Consultation
from county.services import consultations, statistics
from county.services.common import utcnow
from county.services.scope import Scope
from county.services.staff import StaffRole
from sync.ledger.events import CHINA_TZ
from tests.county.web.test_stats import signed_in, tables

BUREAU = Scope(StaffRole.BUREAU_CLERK)
MARKET = Scope(StaffRole.DEPARTMENT, unit_code="scjg", item_codes=frozenset({"FL015"}))
CIVIL = Scope(StaffRole.DEPARTMENT, unit_code="mzj")
COLUMNS = ("asked", "answered", "on_time", "open_overdue", "answer_median", "answer_p90")
EXPECTED = {  # by hand from the history below (today: 27 November 2026)
    "县政务服务管理局": (2, 1, 1, 0, 0, 0),
    "县民政局": (1, 1, 0, 0, 3, 3),
    "县市监局": (3, 2, 1, 1, 1, 4),
    "合计": (6, 4, 2, 1, 1, 4),  # median and 90% of all answered: 0, 1, 3, 4 working days
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ)


def _ask(db, when: str, question: str, item: str = "") -> int:
    with time_machine.travel(at(when), tick=False):
        row, _code = consultations.create(db, None, question=question, item_code=item, source="phone")
        db.flush()
        return row.id


def _answer(db, scope: Scope, consult_id: int, when: str) -> None:
    with time_machine.travel(at(when), tick=False):
        consultations.answer(db, scope, consult_id, "已电话答复，按指南办理即可。", actor="test")


def add_consultations(console) -> None:
    """Consultations of three units, asked and answered at known times (China time)."""
    with console.county.session() as db:
        # 县市监局: answered the next day (1 working day, on time); answered a Wednesday after a Thursday question
        # due Monday (4 working days, late); a Friday question still open, due Tuesday 24th (overdue)
        _answer(db, MARKET, _ask(db, "2026-11-02 10:00", "开小卖部要办什么执照？", "FL015"), "2026-11-03 15:00")
        _answer(db, MARKET, _ask(db, "2026-11-05 10:00", "个体户执照能不能网上办？", "FL015"), "2026-11-11 09:00")
        _ask(db, "2026-11-20 10:00", "营业执照地址写错了怎么改？", "FL015")
        # the bureau: answered the same day (0 working days); one open, due today (not yet overdue)
        _answer(db, BUREAU, _ask(db, "2026-10-12 09:00", "代办点几点开门？"), "2026-10-12 16:00")
        _ask(db, "2026-11-25 11:00", "县里的办事大厅周六上班吗？")
        # reassigned to 县民政局 and answered after its due day (3 working days, late)
        civil = _ask(db, "2026-11-03 10:00", "低保每个月什么时候发？")
        consultations.reassign(db, BUREAU, civil, "mzj", actor="test")
        _answer(db, CIVIL, civil, "2026-11-06 10:00")
        # received before the window (2025-12 to 2026-11): not counted anywhere
        _answer(db, BUREAU, _ask(db, "2025-11-20 10:00", "去年的问题，早已答复。"), "2025-11-20 11:00")
        db.commit()


def _board(console, scope: Scope):
    with console.county.session() as db:
        return statistics.dashboard(db, scope, utcnow())


def _figures(row) -> tuple:
    return tuple(row.figures[c] for c in COLUMNS)


def test_the_page_shows_each_units_answers_against_a_known_history(console):
    add_consultations(console)
    found = tables(signed_in(console, "bureau.clerk").get("/console/stats").text)["consult"]
    assert {label: tuple(v[c] for c in COLUMNS) for label, v in found.items()} == EXPECTED
    assert list(found) == ["县政务服务管理局", "县民政局", "县市监局", "合计"]  # the bureau, then the unit list's order


def test_the_county_figure_is_the_sum_of_its_units_each_seen_in_its_own_scope(console):
    add_consultations(console)
    county = _board(console, BUREAU).tables["consult"]
    own = [_board(console, scope).tables["consult"] for scope in (MARKET, CIVIL)]
    assert [len(t.rows) for t in own] == [1, 1]
    by_label = {r.label: r for r in county.rows}
    for mine in own:  # a department's own table is the county's row for it
        assert _figures(mine.rows[0]) == _figures(by_label[mine.rows[0].label])
    bureau_row = by_label[consultations.BUREAU]
    for column in COLUMNS[:4]:
        assert county.total[column] == bureau_row.figures[column] + sum(t.rows[0].figures[column] for t in own)
    with console.county.session() as db:  # and the county's count is every consultation received in the window
        received = db.scalar(
            select(func.count())
            .select_from(Consultation)
            .where(Consultation.received_date.between(date(2025, 12, 1), date(2026, 11, 30)))
        )
    assert county.total["asked"] == received == 6


def test_the_excel_sheet_reads_back_cell_by_cell(console):
    add_consultations(console)
    client = signed_in(console, "finance")
    response = client.get("/console/stats/export", params={"table": "consult"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["咨询答复"]
    rows = list(book["咨询答复"].iter_rows(values_only=True))
    assert rows[0] == ("咨询答复统计（2025-12 至 2026-11）", None, None, None, None, None, None)
    assert rows[1] == ("答复单位", *(statistics.FIGURE_LABELS[c] for c in COLUMNS))
    assert rows[1][1:] == (
        "收到咨询",
        "已答复",
        "按时答复",
        "超期未答复",
        "答复用时中位数（工作日）",
        "答复用时90%分位（工作日）",
    )
    assert {r[0]: r[1:] for r in rows[2:]} == EXPECTED
    assert [r[0] for r in rows[2:]] == ["县政务服务管理局", "县民政局", "县市监局", "合计"]


def test_each_role_sees_its_own_units_answers(console):
    add_consultations(console)
    department = tables(signed_in(console, "department").get("/console/stats").text)["consult"]
    assert {k: tuple(v[c] for c in COLUMNS) for k, v in department.items()} == {
        "县市监局": EXPECTED["县市监局"],
        "合计": EXPECTED["县市监局"],
    }
    township = signed_in(console, "township.a").get("/console/stats").text
    assert 'id="table-consult"' not in township and "咨询答复" not in township
    book = load_workbook(io.BytesIO(signed_in(console, "township.a").get("/console/stats/export").content))
    assert "咨询答复" not in book.sheetnames


def test_an_empty_county_still_lists_the_bureau_with_nothing_to_measure(console):
    county = _board(console, BUREAU).tables["consult"]
    assert [(r.label, _figures(r)) for r in county.rows] == [(consultations.BUREAU, (0, 0, 0, 0, None, None))]
    assert county.total == dict(zip(COLUMNS, (0, 0, 0, 0, None, None), strict=True))
