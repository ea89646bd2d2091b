"""A feed page written by PostgreSQL (exchange.cases_after there): one query per page.

The database selects the page's cases, aggregates each case's accepted events and writes each item's JSON
(``row_to_json``, events with ``json_agg``, each body as stored): Python only joins the items' text, and, when the
applicant is asked for, opens the newest sealed value the same query picked (the key never leaves the county's
process, so decrypting and masking stay here) and puts it in front of the item. ``applicant=omit`` reads no
personal column. SQLite has no such functions: it keeps the two queries and orjson (exchange._page_from_rows).
The item's keys are those of exchange_wire.ExchangeCase; their order differs from the SQLite page's, which JSON
does not mind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from county.services.api_clients import ClientScope

# whether a legacy clear ``pii`` value names an applicant: not NULL, not JSON null, not {} (exchange._opened)
_CANDIDATE = "(e.pii_sealed IS NOT NULL OR (e.pii IS NOT NULL AND e.pii::jsonb NOT IN ('null'::jsonb, '{}'::jsonb)))"
_NEWEST = "(array_agg(COLUMN ORDER BY e.id DESC) FILTER (WHERE " + _CANDIDATE + "))[1]"


def _state_label(labels: dict[str, str], params: dict[str, Any]) -> str:
    whens = []
    for n, (state, label) in enumerate(sorted(labels.items())):
        params[f"st{n}"], params[f"lb{n}"] = state, label
        whens.append(f"WHEN :st{n} THEN :lb{n}")
    return f"CASE c.state {' '.join(whens)} END"


def _scope(scope: ClientScope, params: dict[str, Any]) -> str:
    if scope.kind == "all":
        return ""
    if not scope.item_codes:
        return " AND false"
    params["codes"] = sorted(scope.item_codes)
    return " AND c.item_code = ANY(:codes)"


def page_rows(
    session: Session,
    scope: ClientScope,
    labels: dict[str, str],
    cursor: int,
    limit: int,
    *,
    applicant: bool,
    masked: bool,
) -> Sequence[Row]:
    """Up to ``limit`` + 1 rows ``(change_seq, item JSON text, sealed, clear, sealed_event_id, case_id)``, oldest change
    first. With ``applicant`` the item has no ``applicant`` key (the caller adds it) and the last three columns are
    the newest event carrying personal fields (sealed text, legacy clear JSON text, its event_id); without it the
    item says ``"applicant":null`` and those columns are NULL."""
    params: dict[str, Any] = {"cursor": cursor, "n": limit + 1, "masked": masked}
    if applicant:
        person = ", ".join(
            _NEWEST.replace("COLUMN", column) + f" AS {name}"
            for column, name in (("e.pii_sealed", "sealed"), ("e.pii::text", "clear"), ("e.event_id", "sealed_event"))
        )
        item_applicant, outer = "", "ev.sealed, ev.clear, ev.sealed_event"
    else:
        person = "NULL AS sealed"
        item_applicant, outer = "NULL::json AS applicant, ", "NULL, NULL, NULL"
    sql = f"""
WITH page AS (
  SELECT c.change_seq, c.case_id, c.receipt_no, p.code AS point_code, t.name AS township, c.item_code, c.flow,
         c.mode, c.applicant_kind, c.state, {_state_label(labels, params)} AS state_label, c.business_date,
         c.recorded_at, c.completed_at, c.disqualified
  FROM "case" c JOIN point p ON p.id = c.point_id JOIN township t ON t.id = p.township_id
  WHERE c.change_seq > :cursor{_scope(scope, params)}
  ORDER BY c.change_seq
  LIMIT :n
)
SELECT page.change_seq,
       (SELECT row_to_json(item)::text FROM (
          SELECT page.change_seq, page.case_id, page.receipt_no, page.point_code, page.township, page.item_code,
                 page.flow, page.mode, page.applicant_kind, page.state, page.state_label, page.business_date,
                 page.recorded_at, page.completed_at, page.disqualified, {item_applicant}
                 CAST(:masked AS boolean) AS applicant_masked, COALESCE(ev.events, '[]'::json) AS events
       ) item),
       {outer}, page.case_id
FROM page
LEFT JOIN LATERAL (
  SELECT json_agg(x ORDER BY e.id) AS events, {person}
  FROM ledger_event e CROSS JOIN LATERAL (SELECT e.event_id, e.type, e.occurred_at, e.body) x
  WHERE e.case_id = page.case_id AND e.status = 'accepted'
) ev ON true
ORDER BY page.change_seq"""
    return session.execute(text(sql), params).all()
