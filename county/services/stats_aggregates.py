"""Running aggregates (统计汇总) for the statistics page, kept by the database itself in the writer's transaction.

Four tables hold what the page's figures sum (county/services/statistics.py, stats_timeliness.py):

- ``stats_month_point`` (month, point): cases recorded that month (business date, voided left out), points of
  completions credited to that month (not voided, not disqualified), mailings recorded that month;
- ``stats_month_item`` (month, township, item, service mode): the same cases and points, the township the
  point belonged to when the case was written (a point never changes township; if one ever did,
  ``suishenban-county stats-rebuild`` puts its figures under the new one);
- ``stats_open_case`` (township, item, flow, start day): the cases still open, by the day their time limit runs
  from (an approval's day the materials were signed for, '' before that; another flow's business date), so the
  overdue count works out each start day's due date once, not each case's;
- ``stats_done_days`` (month, township, item, working days): approval cases completed that month (China date),
  by their working days from signing to completion, counted on ``workday_index`` (a number per day: the
  working days up to it, from the county's working-day table; ``refresh_workdays`` redoes both when the county
  publishes a new table), so the median and 90th percentile come from a histogram;
- ``stats_month_township`` (month, township): ``stats_month_point`` summed by the point's township, with the
  capped points (每点每月封顶: each point's month cut at the cap, then summed), kept by triggers on
  ``stats_month_point`` itself, so the county-wide month, quarter and township tables read a few hundred rows
  rather than every point's months.

Triggers on ``case`` and ``mailing`` keep them: whatever writes a case — ingest's COPY or ``executemany``, a
department's status completing it, a void, a disqualification or its reversal, a credit month moved by the
month administration — subtracts the row's old contribution and adds its new one in the same statement, so
the figures commit or roll back with the change itself. PostgreSQL runs one trigger per statement over its
transition tables (a batch of 500 cases is one upsert per table); SQLite one per row. The same delta query
serves both and the rebuild, which recomputes everything from the cases (after rows were generated straight
into the tables with the triggers off, or to recover).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, inspect, text
from sqlalchemy.orm import Session

from sync.ledger.points import MONTHLY_CAP
from sync.ledger.workdays import OPEN_STATES

CASE_COLUMNS = (
    "point_id", "item_code", "mode", "state", "business_date", "credit_month", "disqualified", "points", "flow",
    "completed_at", "materials_signed_at",
)  # fmt: skip
INDEXED_YEARS = (2000, 2060)  # workday_index covers these years, both included
TABLES = ("stats_month_point", "stats_month_item", "stats_open_case", "stats_done_days")
TOWNSHIP_TABLE = "stats_month_township"
POINT_COLUMNS = ("month", "point_id", "cases", "points", "mailings")
MAILING_COLUMNS = ("point_id", "business_date")
TRIGGERS_PG = {  # table: its PostgreSQL triggers
    "case": ("stats_case_insert", "stats_case_update", "stats_case_delete"),
    "mailing": ("stats_mailing_insert", "stats_mailing_update", "stats_mailing_delete"),
}


def _china_date(column: str, dialect: str) -> str:
    """The China date (YYYY-MM-DD) of a stored time with its offset, as ``parse_time(…).astimezone(CHINA_TZ)``."""
    if dialect == "postgresql":
        return f"to_char(({column})::timestamptz AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"
    return f"date({column}, '+8 hours')"


def case_delta(changes: str, dialect: str) -> list[str]:
    """The upserts that add ``changes`` to the aggregates: a subquery of case rows with the CASE_COLUMNS and a
    ``sign`` (+1 a row's new values, -1 its old ones). Rows that cancel out write nothing."""
    point = f"""
INSERT INTO stats_month_point (month, point_id, cases, points, mailings)
SELECT month, point_id, SUM(cases), SUM(points), 0 FROM (
  SELECT substr(ch.business_date, 1, 7) AS month, ch.point_id AS point_id, ch.sign AS cases, 0 AS points
  FROM ({changes}) AS ch WHERE ch.state <> 'voided'
  UNION ALL
  SELECT ch.credit_month, ch.point_id, 0, ch.sign * ch.points
  FROM ({changes}) AS ch WHERE ch.state <> 'voided' AND ch.credit_month IS NOT NULL AND ch.disqualified IS FALSE
) AS d WHERE true GROUP BY month, point_id HAVING SUM(cases) <> 0 OR SUM(points) <> 0
ON CONFLICT (month, point_id) DO UPDATE
SET cases = stats_month_point.cases + excluded.cases, points = stats_month_point.points + excluded.points"""
    item = f"""
INSERT INTO stats_month_item (month, township_id, item_code, mode, cases, points)
SELECT d.month, COALESCE(p.township_id, 0), d.item_code, d.mode, SUM(d.cases), SUM(d.points) FROM (
  SELECT substr(ch.business_date, 1, 7) AS month, ch.point_id AS point_id, ch.item_code AS item_code,
    ch.mode AS mode, ch.sign AS cases, 0 AS points
  FROM ({changes}) AS ch WHERE ch.state <> 'voided'
  UNION ALL
  SELECT ch.credit_month, ch.point_id, ch.item_code, ch.mode, 0, ch.sign * ch.points
  FROM ({changes}) AS ch WHERE ch.state <> 'voided' AND ch.credit_month IS NOT NULL AND ch.disqualified IS FALSE
) AS d LEFT JOIN point AS p ON p.id = d.point_id
WHERE true GROUP BY d.month, COALESCE(p.township_id, 0), d.item_code, d.mode
HAVING SUM(d.cases) <> 0 OR SUM(d.points) <> 0
ON CONFLICT (month, township_id, item_code, mode) DO UPDATE
SET cases = stats_month_item.cases + excluded.cases, points = stats_month_item.points + excluded.points"""
    signed = _china_date("ch.materials_signed_at", dialect)
    states = ", ".join(f"'{state.value}'" for state in sorted(OPEN_STATES))
    open_cases = f"""
INSERT INTO stats_open_case (township_id, item_code, flow, start_date, cases)
SELECT COALESCE(p.township_id, 0), ch.item_code, ch.flow,
  CASE WHEN ch.flow = 'approval' THEN COALESCE({signed}, '') ELSE ch.business_date END, SUM(ch.sign)
FROM ({changes}) AS ch LEFT JOIN point AS p ON p.id = ch.point_id
WHERE ch.flow <> 'payment' AND ch.state IN ({states})
GROUP BY 1, 2, 3, 4 HAVING SUM(ch.sign) <> 0
ON CONFLICT (township_id, item_code, flow, start_date) DO UPDATE SET cases = stats_open_case.cases + excluded.cases"""
    return [point, item, open_cases, done_days(changes, dialect)]


def done_days(changes: str, dialect: str) -> str:
    """Approval cases completed, by the China month of completion, township, item and working days from the day
    the department signed for the materials (county/services/stats_timeliness.py), read from workday_index."""
    greatest = "GREATEST" if dialect == "postgresql" else "max"
    done, signed = _china_date("ch.completed_at", dialect), _china_date("ch.materials_signed_at", dialect)
    return f"""
INSERT INTO stats_done_days (month, township_id, item_code, days, cases)
SELECT substr(x.done, 1, 7), COALESCE(p.township_id, 0), x.item_code, {greatest}(0, we.n - ws.n), SUM(x.sign)
FROM (
  SELECT ch.point_id AS point_id, ch.item_code AS item_code, ch.sign AS sign, {done} AS done, {signed} AS signed
  FROM ({changes}) AS ch
  WHERE ch.flow = 'approval' AND ch.state = 'completed' AND ch.materials_signed_at IS NOT NULL
    AND ch.completed_at IS NOT NULL
) AS x
JOIN workday_index AS we ON we.day = x.done JOIN workday_index AS ws ON ws.day = x.signed
LEFT JOIN point AS p ON p.id = x.point_id
WHERE true GROUP BY 1, 2, 3, 4 HAVING SUM(x.sign) <> 0
ON CONFLICT (month, township_id, item_code, days) DO UPDATE SET cases = stats_done_days.cases + excluded.cases"""


def mailing_delta(changes: str, dialect: str) -> list[str]:
    return [
        f"""
INSERT INTO stats_month_point (month, point_id, cases, points, mailings)
SELECT substr(ch.business_date, 1, 7), ch.point_id, 0, 0, SUM(ch.sign)
FROM ({changes}) AS ch WHERE true GROUP BY substr(ch.business_date, 1, 7), ch.point_id HAVING SUM(ch.sign) <> 0
ON CONFLICT (month, point_id) DO UPDATE SET mailings = stats_month_point.mailings + excluded.mailings"""
    ]


def township_delta(changes: str) -> str:
    """The upsert that adds changed ``stats_month_point`` rows (POINT_COLUMNS and a ``sign``) to
    ``stats_month_township``: their cases, points and mailings, and their capped points — each (month, point) row
    is one point's month, cut at MONTHLY_CAP, so a row's new capped value replaces its old one."""
    capped = f"CASE WHEN ch.points > {MONTHLY_CAP} THEN {MONTHLY_CAP} ELSE ch.points END"
    sums = ("ch.sign * ch.cases", "ch.sign * ch.points", f"ch.sign * {capped}", "ch.sign * ch.mailings")
    return f"""
INSERT INTO stats_month_township (month, township_id, cases, points, capped, mailings)
SELECT ch.month, COALESCE(p.township_id, 0), {", ".join(f"SUM({x})" for x in sums)}
FROM ({changes}) AS ch LEFT JOIN point AS p ON p.id = ch.point_id
WHERE true GROUP BY ch.month, COALESCE(p.township_id, 0)
HAVING {" OR ".join(f"SUM({x}) <> 0" for x in sums)}
ON CONFLICT (month, township_id) DO UPDATE
SET cases = stats_month_township.cases + excluded.cases, points = stats_month_township.points + excluded.points,
  capped = stats_month_township.capped + excluded.capped,
  mailings = stats_month_township.mailings + excluded.mailings"""


def install_township(connection: Connection) -> None:
    """The triggers on ``stats_month_point`` that keep ``stats_month_township`` (migration 0030): whatever changes a
    (month, point) row — the triggers on cases and mailings, or a rebuild — changes its township's month with it."""
    postgres = connection.dialect.name == "postgresql"
    for name, new, old, referencing in (
        ("insert", True, False, "NEW TABLE AS new_rows"),
        ("update", True, True, "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("delete", False, True, "OLD TABLE AS old_rows"),
    ):
        if postgres:
            sources = [_table_rows("new_rows", POINT_COLUMNS, 1)] * new + [
                _table_rows("old_rows", POINT_COLUMNS, -1)
            ] * old
            connection.exec_driver_sql(
                f"CREATE FUNCTION stats_township_{name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{township_delta(' UNION ALL '.join(sources))};\nRETURN NULL;\nEND\n$$"
            )
            connection.exec_driver_sql(
                f"CREATE TRIGGER stats_township_{name} AFTER {name.upper()} ON stats_month_point "
                f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION stats_township_{name}()"
            )
            continue
        sources = [_rows("NEW", POINT_COLUMNS, 1)] * new + [_rows("OLD", POINT_COLUMNS, -1)] * old
        connection.exec_driver_sql(
            f"CREATE TRIGGER stats_township_{name} AFTER {name.upper()} ON stats_month_point FOR EACH ROW\n"
            f"BEGIN {township_delta(' UNION ALL '.join(sources))};\nEND"
        )


def uninstall_township(connection: Connection) -> None:
    postgres = connection.dialect.name == "postgresql"
    for name in ("insert", "update", "delete"):
        connection.exec_driver_sql(
            f"DROP TRIGGER IF EXISTS stats_township_{name}" + (" ON stats_month_point" if postgres else "")
        )
        if postgres:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS stats_township_{name}()")


def fill_township(connection: Connection) -> int:
    """``stats_month_township`` summed again from every (month, point) row (one grouping); returns its rows."""
    connection.exec_driver_sql(f"DELETE FROM {TOWNSHIP_TABLE}")
    connection.exec_driver_sql(township_delta(_table_rows("stats_month_point", POINT_COLUMNS, 1)))
    return connection.execute(text(f"SELECT count(*) FROM {TOWNSHIP_TABLE}")).scalar_one()


def _rows(source: str, columns: tuple[str, ...], sign: int) -> str:
    return f"SELECT {', '.join(f'{source}.{c} AS {c}' for c in columns)}, {sign} AS sign"


def _table_rows(table: str, columns: tuple[str, ...], sign: int) -> str:
    return f"SELECT {', '.join(columns)}, {sign} AS sign FROM {table}"


def _changed(columns: tuple[str, ...], dialect: str) -> str:
    op = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns)


def install(connection: Connection) -> None:
    """Create the triggers (the tables come from the migration)."""
    if connection.dialect.name == "postgresql":
        _install_pg(connection)
    else:
        _install_sqlite(connection)


def _install_sqlite(connection: Connection) -> None:
    for table, quoted, columns, delta in (
        ("case", '"case"', CASE_COLUMNS, case_delta),
        ("mailing", "mailing", MAILING_COLUMNS, mailing_delta),
    ):
        new, old = _rows("NEW", columns, 1), _rows("OLD", columns, -1)
        bodies = {
            "insert": ("AFTER INSERT", delta(new, "sqlite")),
            "update": (
                f"AFTER UPDATE OF {', '.join(columns)}",
                delta(f"{new} UNION ALL {old}", "sqlite"),
            ),
            "delete": ("AFTER DELETE", delta(old, "sqlite")),
        }
        for name, (when, statements) in bodies.items():
            condition = f" WHEN {_changed(columns, 'sqlite')}" if name == "update" else ""
            body = ";\n".join(statements)
            connection.exec_driver_sql(
                f"CREATE TRIGGER stats_{table}_{name} {when} ON {quoted} FOR EACH ROW{condition}\nBEGIN {body};\nEND"
            )


def _install_pg(connection: Connection) -> None:
    for table, quoted, key, columns, delta in (
        ("case", '"case"', "case_id", CASE_COLUMNS, case_delta),
        ("mailing", "mailing", "mailing_id", MAILING_COLUMNS, mailing_delta),
    ):
        new, old = _table_rows("new_rows", columns, 1), _table_rows("old_rows", columns, -1)
        # An UPDATE counts only the rows whose counted columns changed (most of ingest's updates stamp other
        # columns: the change cursor, evidence, …): the rest are left out, and nothing runs when none changed.
        olds, news = (f"ROW({', '.join(f'{alias}.{c}' for c in columns)})" for alias in ("o", "n"))
        pairs = f"old_rows AS o JOIN new_rows AS n ON n.{key} = o.{key} WHERE {olds} IS DISTINCT FROM {news}"
        changed = (
            f"SELECT {', '.join(f'n.{c} AS {c}' for c in columns)}, 1 AS sign FROM {pairs} UNION ALL "
            f"SELECT {', '.join(f'o.{c} AS {c}' for c in columns)}, -1 AS sign FROM {pairs}"
        )
        for name, changes, referencing in (
            ("insert", new, "NEW TABLE AS new_rows"),
            ("update", changed, "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("delete", old, "OLD TABLE AS old_rows"),
        ):
            body = ";\n".join(delta(changes, "postgresql"))
            if name == "update":
                body = f"IF NOT EXISTS (SELECT 1 FROM {pairs}) THEN RETURN NULL; END IF;\n{body}"
            connection.exec_driver_sql(
                f"CREATE FUNCTION stats_{table}_{name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{body};\nRETURN NULL;\nEND\n$$"
            )
            connection.exec_driver_sql(
                f"CREATE TRIGGER stats_{table}_{name} AFTER {name.upper()} ON {quoted} "
                f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION stats_{table}_{name}()"
            )


def uninstall(connection: Connection) -> None:
    for table, quoted in (("case", '"case"'), ("mailing", "mailing")):
        for name in ("insert", "update", "delete"):
            connection.exec_driver_sql(
                f"DROP TRIGGER IF EXISTS stats_{table}_{name}"
                + (f" ON {quoted}" if connection.dialect.name == "postgresql" else "")
            )
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS stats_{table}_{name}()")


def set_maintained(connection: Connection, on: bool) -> None:
    """Turn the triggers on or off (PostgreSQL: for generating rows straight into the tables, then ``rebuild``;
    and for the bench's ingest with and without them). On SQLite they are dropped and created again."""
    if connection.dialect.name == "postgresql":
        verb = "ENABLE" if on else "DISABLE"
        for table, names in TRIGGERS_PG.items():
            quoted = '"case"' if table == "case" else table
            for name in names:
                connection.exec_driver_sql(f"ALTER TABLE {quoted} {verb} TRIGGER {name}")
        return
    uninstall(connection)
    if on:
        install(connection)


def rebuild(connection: Connection) -> dict[str, int]:
    """Recompute every aggregate from every case and mailing (and the working-day index from the county's
    working-day table), in the caller's transaction; writers wait meanwhile (PostgreSQL: a SHARE lock on the
    two tables; SQLite: the writer's lock the transaction already holds). Returns the rows per table."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql('LOCK TABLE "case", mailing IN SHARE MODE')
    _fill_workday_index(connection)
    for table in TABLES:
        connection.exec_driver_sql(f"DELETE FROM {table}")
    for statement in [
        *case_delta(_table_rows('"case"', CASE_COLUMNS, 1), dialect),
        *mailing_delta(_table_rows("mailing", MAILING_COLUMNS, 1), dialect),
    ]:
        connection.exec_driver_sql(statement)
    written = {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES}
    if inspect(connection).has_table(TOWNSHIP_TABLE):  # from migration 0030 on
        written[TOWNSHIP_TABLE] = fill_township(connection)
    return written


def refresh_workdays(session: Session) -> None:
    """After the county publishes a working-day table: the index again, and the time to 办结 counted on it."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql('LOCK TABLE "case" IN SHARE MODE')
    _fill_workday_index(connection)
    connection.exec_driver_sql("DELETE FROM stats_done_days")
    connection.exec_driver_sql(done_days(_table_rows('"case"', CASE_COLUMNS, 1), connection.dialect.name))


def _fill_workday_index(connection: Connection) -> None:
    """workday_index: for each day of INDEXED_YEARS, how many working days fall on or before it (from the first
    indexed day), so the working days after one day up to another are the difference of their two numbers."""
    from county.services.crediting import county_workdays

    table = county_workdays(Session(bind=connection))
    day, last, n, rows = date(INDEXED_YEARS[0], 1, 1), date(INDEXED_YEARS[1], 12, 31), 0, []
    while day <= last:
        n += table.is_workday(day)
        rows.append({"day": day.isoformat(), "n": n})
        day += timedelta(days=1)
    connection.exec_driver_sql("DELETE FROM workday_index")
    connection.execute(text("INSERT INTO workday_index (day, n) VALUES (:day, :n)"), rows)
