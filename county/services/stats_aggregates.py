"""Running aggregates (统计汇总) for the statistics page, kept by the database itself in the writer's transaction.

Two tables hold what the page's figures sum (county/services/statistics.py):

- ``stats_month_point`` (month, point): cases recorded that month (business date, voided left out), points of
  completions credited to that month (not voided, not disqualified), mailings recorded that month;
- ``stats_month_item`` (month, township, item, service mode): the same cases and points, the township the
  point belonged to when the case was written (a point never changes township; if one ever did,
  ``suishenban-county stats-rebuild`` puts its figures under the new one).

Triggers on ``case`` and ``mailing`` keep them: whatever writes a case — ingest's COPY or ``executemany``, a
department's status completing it, a void, a disqualification or its reversal, a credit month moved by the
month administration — subtracts the row's old contribution and adds its new one in the same statement, so
the figures commit or roll back with the change itself. PostgreSQL runs one trigger per statement over its
transition tables (a batch of 500 cases is one upsert per table); SQLite one per row. The same delta query
serves both and the rebuild, which recomputes everything from the cases (after rows were generated straight
into the tables with the triggers off, or to recover).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

CASE_COLUMNS = ("point_id", "item_code", "mode", "state", "business_date", "credit_month", "disqualified", "points")
MAILING_COLUMNS = ("point_id", "business_date")
TRIGGERS_PG = {  # table: its PostgreSQL triggers
    "case": ("stats_case_insert", "stats_case_update", "stats_case_delete"),
    "mailing": ("stats_mailing_insert", "stats_mailing_update", "stats_mailing_delete"),
}


def case_delta(changes: str) -> list[str]:
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
    return [point, item]


def mailing_delta(changes: str) -> list[str]:
    return [
        f"""
INSERT INTO stats_month_point (month, point_id, cases, points, mailings)
SELECT substr(ch.business_date, 1, 7), ch.point_id, 0, 0, SUM(ch.sign)
FROM ({changes}) AS ch WHERE true GROUP BY substr(ch.business_date, 1, 7), ch.point_id HAVING SUM(ch.sign) <> 0
ON CONFLICT (month, point_id) DO UPDATE SET mailings = stats_month_point.mailings + excluded.mailings"""
    ]


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
            "insert": ("AFTER INSERT", delta(new)),
            "update": (
                f"AFTER UPDATE OF {', '.join(columns)}",
                delta(f"{new} UNION ALL {old}"),
            ),
            "delete": ("AFTER DELETE", delta(old)),
        }
        for name, (when, statements) in bodies.items():
            condition = f" WHEN {_changed(columns, 'sqlite')}" if name == "update" else ""
            body = ";\n".join(statements)
            connection.exec_driver_sql(
                f"CREATE TRIGGER stats_{table}_{name} {when} ON {quoted} FOR EACH ROW{condition}\nBEGIN {body};\nEND"
            )


def _install_pg(connection: Connection) -> None:
    for table, quoted, columns, delta in (
        ("case", '"case"', CASE_COLUMNS, case_delta),
        ("mailing", "mailing", MAILING_COLUMNS, mailing_delta),
    ):
        new, old = _table_rows("new_rows", columns, 1), _table_rows("old_rows", columns, -1)
        for name, changes, referencing in (
            ("insert", new, "NEW TABLE AS new_rows"),
            ("update", f"{new} UNION ALL {old}", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("delete", old, "OLD TABLE AS old_rows"),
        ):
            body = ";\n".join(delta(changes))
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
    """Recompute both tables from every case and mailing, in the caller's transaction; writers wait meanwhile
    (PostgreSQL: a SHARE lock on the two tables; SQLite: the writer's lock the transaction already holds).
    Returns the rows written per table."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql('LOCK TABLE "case", mailing IN SHARE MODE')
    connection.exec_driver_sql("DELETE FROM stats_month_point")
    connection.exec_driver_sql("DELETE FROM stats_month_item")
    for statement in [
        *case_delta(_table_rows('"case"', CASE_COLUMNS, 1)),
        *mailing_delta(_table_rows("mailing", MAILING_COLUMNS, 1)),
    ]:
        connection.exec_driver_sql(statement)
    return {
        table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        for table in ("stats_month_point", "stats_month_item")
    }
