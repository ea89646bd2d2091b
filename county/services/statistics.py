"""Statistics (统计分析, 五(二)): cases, points and mailings of the last 12 months by month, quarter, township,
point, item, category, class and service mode — summed from the running aggregates the database keeps on every
write (county/services/stats_aggregates.py: a row per month and point, or per month, township, item and mode;
never the cases themselves), scoped to the viewer (county/services/scope.py); approval items' time to 办结 and overdue cases (stats_timeliness.py) and sync health
(stats_sync.py) beside them, and consultations' answers per answering unit (stats_consult.py).

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

from sqlalchemy import case, false, func, select
from sqlalchemy.orm import Session

from county.models import Point, StatsMonthItem, StatsMonthPoint, StatsMonthTownship, Township
from county.services.scope import Scope
from county.services.staff import StaffRole
from sync.ledger.catalogue import CLASS_LABELS, load_catalogue
from sync.ledger.events import CHINA_TZ
from sync.ledger.kinds import SERVICE_MODE_LABELS
from sync.ledger.points import MONTHLY_CAP

WINDOW_MONTHS = 12
POINTS_SHOWN = 50  # the county-wide page lists this many points (most cases first); the export lists every one
OUTSIDE_CATALOGUE = "目录外事项"
FIGURE_LABELS = {
    "cases": "办件数",
    "points": "办件积分",
    "capped": "计入积分（每点每月封顶）",
    "mailings": "寄递数",
    "done": "审批办结件数",
    "median": "办结用时中位数（工作日）",
    "p90": "办结用时90%分位（工作日）",
    "overdue": "超期未办结",
    "active": "在用代办点",
    "silent": "7天以上未同步的代办点",
    "clock": "时钟不准的设备",
    "tamper": "未处理的记录篡改标记",
    "last_batch": "最近收到数据（北京时间）",
    "asked": "收到咨询",
    "answered": "已答复",
    "on_time": "按时答复",
    "open_overdue": "超期未答复",
    "answer_median": "答复用时中位数（工作日）",
    "answer_p90": "答复用时90%分位（工作日）",
}
TEXT_FIGURES = frozenset({"last_batch"})  # shown, exported, never charted
NO_FIGURE = "—"


Figure = int | str | None  # a count; a number of working days (None: no case to measure); a time as text


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    figures: dict[str, Figure]


@dataclass(frozen=True)
class Table:
    """One dimension's figures: a row per month, township, point, item, … and their total. A column is summed
    into the total unless ``fixed`` gives its total (a median of all the cases, the latest time)."""

    name: str
    title: str
    key_heading: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    fixed: dict[str, Figure] = field(default_factory=dict)
    current: bool = False  # a snapshot of today (sync health), not figures of the period
    of_all: int = 0  # the rows are the first of this many (the county's points on its page); the total is of all
    total: dict[str, Figure] = field(init=False)

    def caption(self, period: str) -> str:
        return f"{self.title}（截至现在）" if self.current else f"{self.title}统计（{period}）"

    def __post_init__(self) -> None:
        total = {
            c: self.fixed[c] if c in self.fixed else sum(r.figures.get(c) or 0 for r in self.rows) for c in self.columns
        }
        object.__setattr__(self, "total", total)

    def chart(self) -> dict:
        """What the page's chart draws: the row labels and one series per numeric column."""
        return {
            "labels": [r.label for r in self.rows],
            "series": [
                {"name": FIGURE_LABELS[c], "data": [r.figures.get(c) for r in self.rows]}
                for c in self.columns
                if c not in TEXT_FIGURES
            ],
        }


@dataclass(frozen=True)
class Dashboard:
    months: tuple[str, ...]
    tables: dict[str, Table]

    @property
    def period(self) -> str:
        return period_of(self.months)


def period_of(months: tuple[str, ...]) -> str:
    """'2025-12 至 2026-11'."""
    return f"{months[0]} 至 {months[-1]}"


def window(now: datetime, count: int = WINDOW_MONTHS) -> tuple[str, ...]:
    """The last ``count`` months up to and including the current one, China time, oldest first."""
    local = now.astimezone(CHINA_TZ)
    index = local.year * 12 + local.month - 1
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1))


class _Sums:
    """The scoped sums of one dashboard, read from the running aggregates (county/services/stats_aggregates.py):
    ``stats_month_point`` for scopes that hold whole points (the monthly cap is a point's), ``stats_month_item``
    for the item and mode tables and for a department, which sees only some items of a point."""

    def __init__(self, session: Session, scope: Scope, months: tuple[str, ...]):
        self.session, self.scope, self.months = session, scope, months
        self.point_where = (StatsMonthPoint.month >= months[0], StatsMonthPoint.month <= months[-1])
        self.item_where = (StatsMonthItem.month >= months[0], StatsMonthItem.month <= months[-1])
        if scope.role is StaffRole.TOWNSHIP:
            self.item_where += (StatsMonthItem.township_id == scope.township_id,)
        elif not scope.county_wide:
            codes = sorted(scope.item_codes or ())
            self.item_where += (StatsMonthItem.item_code.in_(codes) if codes else false(),)

    def by_month_and_point(self, keep: tuple[str, ...], point_ids: list[int]) -> tuple[dict, dict]:
        """({figure: {month: value}}, {figure: {point id: value}}) of cases, points, capped points (each (month,
        point) row is one point's month: cut at the cap before summing) and mailings; a township's by its points'
        ids, which the index on (point, month) finds (joined to the points, the database read every row)."""
        p = StatsMonthPoint
        capped = case((p.points > MONTHLY_CAP, MONTHLY_CAP), else_=p.points)
        measures = {"cases": p.cases, "points": p.points, "capped": capped, "mailings": p.mailings}
        connection = self.session.connection()

        def grouped(key):
            q = select(key, *(func.sum(measures[name]) for name in keep)).select_from(p)
            if not self.scope.county_wide:  # a township's points only
                q = q.where(p.point_id.in_(point_ids))
            return _columns(connection.execute(q.where(*self.point_where).group_by(key)).all(), 1, keep)

        if connection.dialect.name != "postgresql":
            return grouped(p.month), grouped(p.point_id)
        # PostgreSQL: both groupings from one scan of the window's rows (GROUPING SETS); the other key is NULL
        q = select(p.month, p.point_id, *(func.sum(measures[name]) for name in keep)).select_from(p)
        if not self.scope.county_wide:
            q = q.where(p.point_id.in_(point_ids))
        rows = connection.execute(q.where(*self.point_where).group_by(func.grouping_sets(p.month, p.point_id))).all()
        by_month = _columns([(m, *figures) for m, pid, *figures in rows if pid is None], 1, keep)
        return by_month, _columns([(pid, *figures) for m, pid, *figures in rows if m is None], 1, keep)

    def by_month_and_township(self, keep: tuple[str, ...]) -> tuple[dict, dict]:
        """County-wide: ({figure: {month: value}}, {figure: {township id: value}}) from the (month, township) rows
        (stats_month_township: at most 12 × the townships), capped points included."""
        t = StatsMonthTownship
        where = (t.month >= self.months[0], t.month <= self.months[-1])
        rows = self.session.connection().execute(
            select(t.month, t.township_id, *(getattr(t, name) for name in keep)).where(*where)
        )
        by_month: dict[str, dict[str, int]] = {name: {} for name in keep}
        by_town: dict[str, dict[str, int]] = {name: {} for name in keep}
        for month, town, *figures in rows:
            for name, value in zip(keep, figures, strict=True):
                by_month[name][month] = by_month[name].get(month, 0) + value
                by_town[name][str(town)] = by_town[name].get(str(town), 0) + value
        return by_month, by_town

    def by_point(self, keep: tuple[str, ...], limit: int | None = None) -> tuple[list[str], dict]:
        """County-wide: (point ids, {figure: {point id: value}}) — every point with figures, or the ``limit``
        points with the most cases (then by id): one grouping of the window's (month, point) rows."""
        p = StatsMonthPoint
        capped = case((p.points > MONTHLY_CAP, MONTHLY_CAP), else_=p.points)
        measures = {"cases": p.cases, "points": p.points, "capped": capped, "mailings": p.mailings}
        q = select(p.point_id, *(func.sum(measures[name]) for name in keep)).where(*self.point_where)
        q = q.group_by(p.point_id)
        if limit is not None:
            q = q.order_by(func.sum(p.cases).desc(), p.point_id).limit(limit)
        rows = self.session.connection().execute(q).all()
        return [str(r[0]) for r in rows], _columns(rows, 1, keep)

    def by_item_table(self, *keys) -> dict[str, dict[tuple, int]]:
        i = StatsMonthItem
        query = select(*keys, func.sum(i.cases), func.sum(i.points)).where(*self.item_where).group_by(*keys)
        return _columns(self.session.connection().execute(query).all(), len(keys), ("cases", "points"))


def _columns(rows, width: int, names: tuple[str, ...]) -> dict[str, dict]:
    """{figure: {key: value}} from rows of keys then figures (Core rows: a county's 20,000 points); a key is the
    text of one column, or a tuple of texts of several."""
    columns = [{} for _ in names]
    for row in rows:
        key = str(row[0]) if width == 1 else tuple(str(k) for k in row[:width])
        for column, value in zip(columns, row[width:], strict=True):
            column[key] = int(value or 0)
    return dict(zip(names, columns, strict=True))


def _fold(pairs: dict, key) -> dict[str, int]:
    """A grouping, {(mode, item): value} or {month: value}, summed by ``key(*keys)`` or ``key(key)``."""
    out: dict[str, int] = {}
    for pair, value in pairs.items():
        k = key(*pair) if isinstance(pair, tuple) else key(pair)
        out[k] = out.get(k, 0) + value
    return out


def quarter_of(month: str) -> str:
    """'2026-05' → '2026-Q2'."""
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def quarter_label(quarter: str, months: tuple[str, ...]) -> str:
    """'2026年第2季度', with the months the window holds when it holds only part of it."""
    held = [m for m in months if quarter_of(m) == quarter]
    label = f"{quarter[:4]}年第{quarter[-1]}季度"
    return label if len(held) == 3 else f"{label}（仅{'、'.join(str(int(m[5:])) + '月' for m in held)}）"


def dashboard(session: Session, scope: Scope, now: datetime, *, every_point: bool = False) -> Dashboard:
    """Every table of the page. Month and point come from one grouping each of the running aggregates (a row per
    point and month at most, never the cases), township from the points' figures, quarter from the months (a
    department's from its items' rows instead); item, category, class and mode from one (mode, item) grouping;
    then the timeliness and sync-health tables. County-wide, month, quarter and township come from the (month,
    township) rows, and the point table lists the POINTS_SHOWN points with the most cases unless
    ``every_point`` (the Excel export) — building 20,000 rows on every page view cost more than the rest."""
    from county.services import stats_consult, stats_sync, stats_timeliness

    months = window(now)
    sums = _Sums(session, scope, months)
    listed: list[tuple[str, str]] = []
    point_table = None
    if scope.whole_points and scope.county_wide:
        keep = ("cases", "points", "capped", "mailings") if scope.sees_mailings else ("cases", "points", "capped")
        by_month, by_town = sums.by_month_and_township(keep)
        point_table = _county_points(session, scope, sums, keep, every_point, by_month)
    elif scope.whole_points:
        keep = ("cases", "points", "capped", "mailings") if scope.sees_mailings else ("cases", "points", "capped")
        own = (
            session.connection()
            .execute(
                select(Point.id, Point.code, Point.name, Point.township_id)
                .where(scope.point_filter())
                .order_by(Point.code)
            )
            .all()
        )
        by_month, by_point = sums.by_month_and_point(keep, [i for i, *_rest in own])
        listed, town_of = [], {}
        for i, code, name, town in own:
            listed.append((str(i), f"{code} {name}"))
            town_of[str(i)] = str(town)
        by_town = {}
        for column, values in by_point.items():
            summed: dict[str, int] = {}
            for pid, value in values.items():
                town = town_of.get(pid, "")
                summed[town] = summed.get(town, 0) + value
            by_town[column] = summed
    else:
        by_month, by_town = sums.by_item_table(StatsMonthItem.month), sums.by_item_table(StatsMonthItem.township_id)
    columns = tuple(by_month)
    towns = [
        (str(i), n)
        for i, n in session.execute(
            select(Township.id, Township.name).where(scope.township_filter()).order_by(Township.id)
        )
    ]
    quarters = list(dict.fromkeys(quarter_of(m) for m in months))

    def flat(figures, key) -> dict[str, dict[str, int]]:
        return {column: _fold(values, key) for column, values in figures.items()}

    by_mode_item = sums.by_item_table(StatsMonthItem.mode, StatsMonthItem.item_code)
    by_item = flat(by_mode_item, lambda mode, item: item)
    by_mode = flat(by_mode_item, lambda mode, item: mode)
    both = ("cases", "points")
    tables = {
        "month": Table("month", "按月份", "月份", columns, _rows(by_month, [(m, m) for m in months])),
        "quarter": Table(
            "quarter",
            "按季度",
            "季度",
            columns,
            _rows(flat(by_month, quarter_of), [(k, quarter_label(k, months)) for k in quarters]),
        ),
        "township": Table("township", "按乡镇", "乡镇", columns, _rows(by_town, towns)),
    }
    if point_table is not None:
        tables["point"] = point_table
    elif scope.whole_points:
        tables["point"] = Table("point", "按代办点", "代办点", columns, _rows(by_point, listed))
    tables |= {
        "item": Table("item", "按事项", "事项", both, _items(by_item)),
        "category": Table("category", "按事项类别", "事项类别", both, _categories(by_item)),
        "class": Table("class", "按积分类别", "积分类别", both, _classes(by_item)),
        "mode": Table(
            "mode",
            "按服务方式",
            "服务方式",
            both,
            _rows(by_mode, [(mode.value, label) for mode, label in SERVICE_MODE_LABELS.items()]),
        ),
    }
    tables |= stats_timeliness.tables(session, scope, months, now, towns)
    consult = stats_consult.table(session, scope, months, now)
    if consult is not None:
        tables[consult.name] = consult
    if scope.whole_points:
        tables["sync"] = stats_sync.table(session, scope, now, towns)
    return Dashboard(months, tables)


def _county_points(session: Session, scope: Scope, sums: _Sums, keep, every_point: bool, by_month) -> Table:
    """The county's point table: every point in code order when asked or when there are few, else the
    POINTS_SHOWN points with the most cases, with the county's total (the months' total) and how many there are."""
    count = session.scalar(select(func.count()).select_from(Point).where(scope.point_filter())) or 0
    if every_point or count <= POINTS_SHOWN:
        _ids, by_point = sums.by_point(keep)
        points = select(Point.id, Point.code, Point.name).where(scope.point_filter()).order_by(Point.code)
        listed = [(str(i), f"{code} {name}") for i, code, name in session.connection().execute(points)]
        return Table("point", "按代办点", "代办点", keep, _rows(by_point, listed))
    ids, by_point = sums.by_point(keep, POINTS_SHOWN)
    names = dict(
        (str(i), f"{code} {name}")
        for i, code, name in session.execute(
            select(Point.id, Point.code, Point.name).where(Point.id.in_([int(i) for i in ids]))
        )
    )
    total = {name: sum(values.values()) for name, values in by_month.items()}
    rows = _rows(by_point, [(i, names.get(i, i)) for i in ids])
    return Table("point", "按代办点", "代办点", keep, rows, fixed=total, of_all=count)


def _rows(figures: dict[str, dict[str, int]], keys: list[tuple[str, str]]) -> tuple[Row, ...]:
    """A row per key, in order, with each figure's value (0 where it has none): column by column, as the
    county-wide point table has 20,000 rows."""
    names = tuple(figures)
    columns = [[values.get(key, 0) for key, _label in keys] for values in figures.values()]
    return tuple(
        Row(key, label, dict(zip(names, row, strict=True)))
        for (key, label), row in zip(keys, zip(*columns, strict=True) if columns else ((),) * len(keys), strict=True)
    )


def _folded(by_item: dict[str, dict[str, int]], group_of: dict[str, str], names: list[str]) -> tuple[Row, ...]:
    """Item codes folded into the catalogue's groups (a few hundred at most, never the cases); an item the
    catalogue no longer lists goes to 目录外事项."""
    totals: dict[str, dict[str, int]] = {c: {} for c in by_item}
    for column, values in by_item.items():
        for code, value in values.items():
            name = group_of.get(code, OUTSIDE_CATALOGUE)
            totals[column][name] = totals[column].get(name, 0) + value
    if any(OUTSIDE_CATALOGUE in values for values in totals.values()):
        names = [*names, OUTSIDE_CATALOGUE]
    return _rows(totals, [(name, name) for name in names])


def _categories(by_item: dict[str, dict[str, int]]) -> tuple[Row, ...]:
    catalogue = load_catalogue()
    return _folded(by_item, {i.code: i.category for i in catalogue.items}, list(catalogue.categories()))


def _classes(by_item: dict[str, dict[str, int]]) -> tuple[Row, ...]:
    group = {i.code: CLASS_LABELS[i.points_class] for i in load_catalogue().items}
    return _folded(by_item, group, list(CLASS_LABELS.values()))


def _items(by_item: dict[str, dict[str, int]]) -> tuple[Row, ...]:
    """A row per catalogue item, in its order, and one per item outside it that has figures."""
    listed = [(i.code, f"{i.code} {i.name}") for i in load_catalogue().items]
    known = {code for code, _label in listed}
    extra = sorted({code for values in by_item.values() for code in values} - known)
    return _rows(by_item, [*listed, *((code, f"{code} {OUTSIDE_CATALOGUE}") for code in extra)])


def workbook(board: Dashboard, names: tuple[str, ...]) -> bytes:
    """The chosen tables as an .xlsx file, a sheet each: the page's figures, row for row, with their total."""
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name in names:
        table = board.tables[name]
        sheet = book.create_sheet(table.title)
        text = functools.partial(_text, sheet)
        sheet.append([text(table.caption(board.period))])
        sheet.append([text(table.key_heading), *(text(FIGURE_LABELS[c]) for c in table.columns)])
        for row in table.rows:
            sheet.append([text(row.label), *(_cell(text, row.figures.get(c)) for c in table.columns)])
        sheet.append([text("合计"), *(_cell(text, table.total[c]) for c in table.columns)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(text, value: Figure):
    """A count as a number; nothing to measure as "—" and a time as text, as on the page."""
    if value is None:
        return text(NO_FIGURE)
    return text(value) if isinstance(value, str) else value


def _text(sheet, value: str):
    """Always text: a township named "=HYPERLINK(…)" must not become a formula in finance's Excel."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell
