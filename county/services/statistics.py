"""Statistics (统计分析, 五(二)): cases, points and mailings of the last 12 months by month, township, item
category and service mode — GROUP BY aggregates in the database, scoped to the viewer (county/services/scope.py).

Definitions (docs/console.md, 统计):
- cases (办件): cases recorded in the window, by their business date (China time), voided ones left out;
- points (办件积分): the points of completions credited to a month of the window by the rules of docs/points.md
  (``Case.credit_month``), not voided, not disqualified, before the monthly cap;
- capped points (计入积分): the same after each point's monthly cap (1000), summed over points — only for a
  scope that holds whole points (county-wide, a township): a department sees only some of a point's cases;
- mailings (寄递): mailings recorded in the window, by business date — not for a department (a mailing has
  no item).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from county.models import Case, Mailing, Point, Township
from county.services.scope import Scope
from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import CHINA_TZ
from sync.ledger.kinds import SERVICE_MODE_LABELS, CaseState
from sync.ledger.points import MONTHLY_CAP

WINDOW_MONTHS = 12
OUTSIDE_CATALOGUE = "目录外事项"
FIGURE_LABELS = {
    "cases": "办件数",
    "points": "办件积分",
    "capped": "计入积分（每点每月封顶）",
    "mailings": "寄递数",
}


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    figures: dict[str, int]


@dataclass(frozen=True)
class Table:
    """One dimension's figures: a row per month, township, category or mode, and their total."""

    name: str
    title: str
    key_heading: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    total: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", {c: sum(r.figures.get(c, 0) for r in self.rows) for c in self.columns})

    def chart(self) -> dict:
        """What the page's chart draws: the row labels and one series per column."""
        return {
            "labels": [r.label for r in self.rows],
            "series": [
                {"name": FIGURE_LABELS[c], "data": [r.figures.get(c, 0) for r in self.rows]} for c in self.columns
            ],
        }


@dataclass(frozen=True)
class Dashboard:
    months: tuple[str, ...]
    tables: dict[str, Table]

    @property
    def period(self) -> str:
        return f"{self.months[0]} 至 {self.months[-1]}"


def window(now: datetime, count: int = WINDOW_MONTHS) -> tuple[str, ...]:
    """The last ``count`` months up to and including the current one, China time, oldest first."""
    local = now.astimezone(CHINA_TZ)
    index = local.year * 12 + local.month - 1
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1))


def _month(column):
    return func.substr(column, 1, 7)


class _Query:
    """The scoped WHERE clauses of one dashboard: cases, credited cases and mailings of the window."""

    def __init__(self, scope: Scope, months: tuple[str, ...]):
        first, last = f"{months[0]}-01", f"{months[-1]}-31"
        self.cases = (
            scope.case_filter(),
            Case.state != CaseState.VOIDED.value,
            Case.business_date >= first,
            Case.business_date <= last,
        )
        self.credited = (
            scope.case_filter(),
            Case.state != CaseState.VOIDED.value,
            Case.disqualified.is_(False),
            Case.credit_month >= months[0],
            Case.credit_month <= months[-1],
        )
        self.mailings = (scope.mailing_filter(), Mailing.business_date >= first, Mailing.business_date <= last)

    def grouped(self, session: Session, keys, *where, base=Case, measure=None, by_township=False) -> dict:
        """{key (or tuple of keys): value} of one GROUP BY over the cases or mailings in scope."""
        measure = func.count() if measure is None else measure
        source = base.__table__.join(Point, Point.id == base.point_id) if by_township else base
        query = select(*keys, measure).select_from(source).where(*where).group_by(*keys)
        return {tuple(str(k) for k in row[:-1]): int(row[-1] or 0) for row in session.execute(query)}

    def capped(self, session: Session) -> dict:
        """{(month, township): points}: each point's monthly sum cut at the cap, then summed."""
        per = (
            select(Case.point_id, Case.credit_month.label("month"), func.sum(Case.points).label("raw"))
            .where(*self.credited)
            .group_by(Case.point_id, Case.credit_month)
            .subquery()
        )
        cut = func.sum(case((per.c.raw > MONTHLY_CAP, MONTHLY_CAP), else_=per.c.raw))
        query = (
            select(per.c.month, Point.township_id, cut)
            .join(Point, Point.id == per.c.point_id)
            .group_by(per.c.month, Point.township_id)
        )
        return {(str(m), str(t)): int(v or 0) for m, t, v in session.execute(query)}


def _fold(pairs: dict, side: int) -> dict[str, int]:
    """One side of a {(month, township): value} grouping: the totals by month (0) or by township (1)."""
    out: dict[str, int] = {}
    for key, value in pairs.items():
        out[key[side]] = out.get(key[side], 0) + value
    return out


def _single(grouped: dict) -> dict[str, int]:
    return {key[0]: value for key, value in grouped.items()}


def dashboard(session: Session, scope: Scope, now: datetime) -> Dashboard:
    """Every table of the page: month and township from one (month, township) grouping per figure, category and
    mode from one grouping each — a dozen scans at most, whatever the number of cases."""
    months = window(now)
    q = _Query(scope, months)
    points, town = func.sum(Case.points), Point.township_id
    pairs = {
        "cases": q.grouped(session, (_month(Case.business_date), town), *q.cases, by_township=True),
        "points": q.grouped(session, (Case.credit_month, town), *q.credited, measure=points, by_township=True),
    }
    if scope.whole_points:
        pairs["capped"] = q.capped(session)
    if scope.sees_mailings:
        pairs["mailings"] = q.grouped(
            session, (_month(Mailing.business_date), town), *q.mailings, base=Mailing, by_township=True
        )
    by_month = {column: _fold(values, 0) for column, values in pairs.items()}
    by_town = {column: _fold(values, 1) for column, values in pairs.items()}
    columns = tuple(pairs)

    towns = session.execute(select(Township.id, Township.name).where(scope.township_filter()).order_by(Township.id))
    by_item = {
        "cases": _single(q.grouped(session, (Case.item_code,), *q.cases)),
        "points": _single(q.grouped(session, (Case.item_code,), *q.credited, measure=points)),
    }
    by_mode = {
        "cases": _single(q.grouped(session, (Case.mode,), *q.cases)),
        "points": _single(q.grouped(session, (Case.mode,), *q.credited, measure=points)),
    }
    tables = {
        "month": Table("month", "按月份", "月份", columns, _rows(by_month, [(m, m) for m in months])),
        "township": Table("township", "按乡镇", "乡镇", columns, _rows(by_town, [(str(i), n) for i, n in towns])),
        "category": Table("category", "按事项类别", "事项类别", ("cases", "points"), _categories(by_item)),
        "mode": Table(
            "mode",
            "按服务方式",
            "服务方式",
            ("cases", "points"),
            _rows(by_mode, [(mode.value, label) for mode, label in SERVICE_MODE_LABELS.items()]),
        ),
    }
    return Dashboard(months, tables)


def _rows(figures: dict[str, dict[str, int]], keys: list[tuple[str, str]]) -> tuple[Row, ...]:
    return tuple(Row(key, label, {c: values.get(key, 0) for c, values in figures.items()}) for key, label in keys)


def _categories(by_item: dict[str, dict[str, int]]) -> tuple[Row, ...]:
    """Item codes folded into the catalogue's categories (a few hundred groups at most, never the cases)."""
    catalogue = load_catalogue()
    category_of = {item.code: item.category for item in catalogue.items}
    names = list(catalogue.categories())
    totals: dict[str, dict[str, int]] = {c: {} for c in by_item}
    for column, values in by_item.items():
        for code, value in values.items():
            name = category_of.get(code, OUTSIDE_CATALOGUE)
            totals[column][name] = totals[column].get(name, 0) + value
    if any(OUTSIDE_CATALOGUE in values for values in totals.values()):
        names.append(OUTSIDE_CATALOGUE)
    return _rows(totals, [(name, name) for name in names])


def workbook(board: Dashboard, names: tuple[str, ...]) -> bytes:
    """The chosen tables as an .xlsx file, a sheet each: the page's figures, row for row, with their total."""
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name in names:
        table = board.tables[name]
        sheet = book.create_sheet(table.title)
        text = functools.partial(_text, sheet)
        sheet.append([text(f"{table.title}统计（{board.period}）")])
        sheet.append([text(table.key_heading), *(text(FIGURE_LABELS[c]) for c in table.columns)])
        for row in table.rows:
            sheet.append([text(row.label), *(row.figures.get(c, 0) for c in table.columns)])
        sheet.append([text("合计"), *(table.total[c] for c in table.columns)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(sheet, value: str):
    """Always text: a township named "=HYPERLINK(…)" must not become a formula in finance's Excel."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell
