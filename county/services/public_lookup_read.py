"""The public case lookup's reads (办件查询): one statement for a case and all it shows, one for the throttle.

A lookup with a right check code needs the throttle's two counts (wrong codes lately from this address and for
this receipt number), the case with its point and township, the counter's events of the case, the department's
statuses and the return mailings. Asked one by one through the ORM that was five statements and most of a
lookup's CPU (docs/benchmarks.md, "专区 status lookups"); here it is one ``UNION ALL`` read on one connection,
each branch through an index (the case's columns as scalar subqueries, not a join: joined, SQLite builds a
Bloom filter over the whole event table for the one case): ``uq_case_receipt`` (by the point's code), ``ledger_event.case_id``,
``county_event.case_id`` (migration 0029), ``return_mailing.case_id``, and ``lookup_failure``'s ``client`` and
``receipt_key``. Each row says what it is in its first column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.engine import Connection

# The throttle's counts: wrong codes since ``start`` from this address and for this receipt number.
_THROTTLE = """
SELECT 'throttle' AS row_kind, 0 AS pos,
  (SELECT count(*) FROM lookup_failure WHERE client = :client AND at >= :start) AS n1,
  (SELECT count(*) FROM lookup_failure WHERE receipt_key = :receipt_key AND at >= :start) AS n2,
  NULL AS a, NULL AS b, NULL AS c, NULL AS d, NULL AS e, NULL AS f, NULL AS g, NULL AS h
"""

_CASE = """
WITH found AS (
  SELECT c.case_id, c.device_id, c.point_id, c.receipt_no, c.item_code, c.state, c.business_date,
         c.completed_at, p.name AS point_name, t.name AS township
  FROM "case" c JOIN point p ON p.id = c.point_id JOIN township t ON t.id = p.township_id
  WHERE p.code = :point_code AND c.receipt_no = :receipt_no
)
{throttle}
UNION ALL
SELECT 'case', 0, NULL, NULL, receipt_no, item_code, state, business_date, completed_at, point_name, township, NULL
FROM found
UNION ALL
SELECT 'counter', e.id, NULL, NULL, e.type, e.occurred_at, NULL, NULL, NULL, NULL, NULL, NULL
FROM ledger_event e
WHERE e.case_id = (SELECT case_id FROM found) AND {device_id} = (SELECT device_id FROM found) AND e.status = 'accepted'
UNION ALL
SELECT 'status', s.id, NULL, NULL, {changed_at}, {label}, {note}, NULL, NULL, NULL, NULL, NULL
FROM county_event s
WHERE s.case_id = (SELECT case_id FROM found) AND s.kind = 'case_status'
UNION ALL
SELECT 'mailing', 0, NULL, NULL, m.mailed_at, m.arrived_at, m.handed_at, m.contents, m.created_at, m.mailing_id,
       NULL, NULL
FROM return_mailing m
WHERE m.case_id = (SELECT case_id FROM found)
"""

_JSON_TEXT = {"sqlite": "json_extract(s.payload, '$.{key}')", "postgresql": "(s.payload ->> '{key}')"}


def _statement(sql: str):
    return text(sql).bindparams(bindparam("start", type_=DateTime(timezone=True)))


def _case_statement(dialect: str):
    field = _JSON_TEXT["postgresql" if dialect == "postgresql" else "sqlite"]
    sql = _CASE.format(
        throttle=_THROTTLE,
        changed_at=field.format(key="changed_at"),
        label=field.format(key="label"),
        note=field.format(key="note"),
        # SQLite would take the device's index (a thousand events) over the case's (a few): "+" keeps it off
        device_id="e.device_id" if dialect == "postgresql" else "+e.device_id",
    )
    if dialect == "postgresql":  # a text column of its own type in every branch, as UNION wants
        sql = sql.replace("m.created_at, m.mailing_id", "CAST(m.created_at AS TEXT), m.mailing_id")
    return _statement(sql)


_STATEMENTS: dict[str, tuple] = {}


def _statements(dialect: str) -> tuple:
    if dialect not in _STATEMENTS:
        _STATEMENTS[dialect] = (_statement(_THROTTLE), _case_statement(dialect))
    return _STATEMENTS[dialect]


@dataclass(frozen=True)
class Found:
    """What one read returned: the throttle's counts and, when asked for and present, the case's rows."""

    by_address: int
    by_receipt: int
    case: tuple | None  # receipt_no, item_code, state, business_date, completed_at, point_name, township
    counter: list[tuple[str, str]]  # (event type, occurred_at), in the ledger's order
    statuses: list[tuple[str, str, str]]  # (changed_at, label, note), in the feed's order
    mailings: list[tuple[str, str | None, str | None, str]]  # (mailed_at, arrived_at, handed_at, contents)


def throttle_counts(conn: Connection, client: str, receipt_key: str, start: datetime) -> Found:
    throttle, _case = _statements(conn.dialect.name)
    row = conn.execute(throttle, {"client": client, "receipt_key": receipt_key, "start": start}).one()
    return Found(row.n1, row.n2, None, [], [], [])


def read_case(conn: Connection, receipt_no: str, client: str, receipt_key: str, start: datetime) -> Found:
    """The throttle's counts and the case of ``receipt_no`` with everything the public page shows of it."""
    _throttle, case_sql = _statements(conn.dialect.name)
    params = {
        "client": client,
        "receipt_key": receipt_key,
        "start": start,
        "point_code": receipt_no[:4],
        "receipt_no": receipt_no,
    }
    counts, case, counter, statuses, mailings = (0, 0), None, [], [], []
    for row in conn.execute(case_sql, params):
        kind = row[0]
        if kind == "throttle":
            counts = (row[2], row[3])
        elif kind == "case":
            case = tuple(row[4:11])
        elif kind == "counter":
            counter.append((row[1], row[4], row[5]))
        elif kind == "status":
            statuses.append((row[1], row[4] or "", row[5] or "", row[6] or ""))
        else:
            mailings.append((str(row[8]), row[9], row[4], row[5], row[6], row[7]))
    counter.sort()
    statuses.sort()
    mailings.sort()
    return Found(
        counts[0],
        counts[1],
        case,
        [(kind, at) for _id, kind, at in counter],
        [(at, label, note) for _id, at, label, note in statuses],
        [(mailed, arrived, handed, contents) for _c, _m, mailed, arrived, handed, contents in mailings],
    )
