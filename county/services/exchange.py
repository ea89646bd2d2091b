"""The data exchange (数据推送与系统对接): cases in a client's scope after a cursor, statuses sent back.

``cases_after`` reads the cases whose change sequence (county/services/changes.py) is past the cursor, oldest
change first, and every accepted counter event of those cases in one more query. The applicant's personal fields
are opened (county/services/pii.py) and given in full only to a client allowed to read them, masked otherwise,
and not read at all when the client asks for ``applicant=omit``. Each case carries its return mailings (部门回寄)
and where they stand at the counter; the family member who took one is named only where the applicant would be
given in full. On PostgreSQL the page is one query that also writes its JSON (county/services/exchange_sql.py),
with the return mailings read by one more; on SQLite the JSON is written from the rows by orjson. Either way event
bodies go out as stored, not through the wire models, which still give the OpenAPI schema.

``apply_statuses`` applies each update through departments.set_case_status, as a department's clerk would in the
console, so the change reaches the point's counters at their next pull. An update is applied once per the
client's own key (``client_ref``): sent again, it answers ``duplicate``. A rejected update is not remembered; the
client may correct it and send it again under the same key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import ApiClient, Case, ExchangeStatus, LedgerEvent, Point, ReturnMailing, Township
from county.services import departments, exchange_sql
from county.services.api_clients import ClientScope
from county.services.cases import among
from county.services.common import AUDIT_CONTEXT, iso, utcnow
from county.services.exchange_wire import (
    StatusOutcome,
    StatusRequest,
    StatusResponse,
)
from county.services.pii import PiiBox
from sync.ledger.kinds import CASE_STATE_LABELS
from sync.ledger.validation import mask_mobile, mask_name, mask_resident_id

MAX_PAGE = 5000  # cases per page (docs/data-api.md, "Limits"); a page of 5,000 is about 5 MB of JSON
STATE_LABELS = {state.value: label for state, label in CASE_STATE_LABELS.items()}
CASE_COLUMNS = (
    "change_seq",
    "case_id",
    "receipt_no",
    "item_code",
    "flow",
    "mode",
    "applicant_kind",
    "state",
    "business_date",
    "recorded_at",
    "completed_at",
    "disqualified",
)


def _mask(field: str, value: str) -> str:
    if field == "name":
        return mask_name(value)
    if field in ("id_number", "credit_code"):
        return mask_resident_id(value)
    if field in ("mobile", "phone"):
        return mask_mobile(value)
    return value[:2] + "*" * max(0, len(value) - 2)


@dataclass(frozen=True)
class FeedPage:
    """One page of the feed, its JSON already written (the shape of exchange_wire.CasesPage)."""

    body: bytes
    count: int
    next_cursor: int
    more: bool


def _events(session: Session, case_ids: list[str], *, with_pii: bool) -> dict[str, list]:
    """Every accepted event of these cases, oldest first; bodies as the stored JSON text (never parsed here)."""
    columns = [
        LedgerEvent.case_id,
        LedgerEvent.event_id,
        LedgerEvent.type,
        LedgerEvent.occurred_at,
        cast(LedgerEvent.body, Text).label("body"),
    ]
    if with_pii:  # the legacy clear column as text too: parsed only for the one event a case's applicant needs
        columns += [LedgerEvent.pii_sealed, cast(LedgerEvent.pii, Text).label("pii")]
    events: dict[str, list] = defaultdict(list)
    of_page = among(session, LedgerEvent.case_id, case_ids)
    query = select(*columns).where(of_page, LedgerEvent.status == "accepted").order_by(LedgerEvent.id)
    for event in session.execute(query):
        events[event[0]].append(event)
    return events


RETURN_TABLE = ReturnMailing.__table__
RETURN_COLUMNS = ("mailing_id", "case_id", "unit_code", "tracking_no", "contents", "mailed_at", "arrived_at")
RETURN_COLUMNS += ("handed_at", "handed_date", "receiver", "signed", "handed_event_id")
RETURN_STATES = {"mailed": "部门已寄出", "arrived": "已到代办点，待群众领取", "handed_over": "已交群众"}


def _return_mailings(session: Session, case_ids: list[str], open_one: Callable | None) -> dict[str, list[dict]]:
    """The page's return mailings (部门回寄) by case, oldest first. ``open_one`` (a client that may read personal
    fields, asking for them) opens the name of a family member who took one, from the sealed hand-over event."""
    columns = [RETURN_TABLE.c[name] for name in RETURN_COLUMNS]
    rows = session.execute(  # columns, not ORM objects; for most pages no row at all
        select(*columns)
        .where(among(session, RETURN_TABLE.c.case_id, case_ids))
        .order_by(RETURN_TABLE.c.mailed_at, RETURN_TABLE.c.mailing_id)
    )
    found: dict[str, list[dict]] = defaultdict(list)
    named: dict[str, dict] = {}  # hand-over event id → the mailing it handed over (family members only)
    for mailing in rows:
        state = "handed_over" if mailing.handed_at else "arrived" if mailing.arrived_at else "mailed"
        item = {
            "mailing_id": mailing.mailing_id,
            "unit_code": mailing.unit_code,
            "tracking_no": mailing.tracking_no,
            "contents": mailing.contents,
            "mailed_at": mailing.mailed_at,
            "state": state,
            "state_label": RETURN_STATES[state],
            "arrived_at": mailing.arrived_at,
            "handed_at": mailing.handed_at,
            "handed_date": mailing.handed_date,
            "receiver": mailing.receiver,
            "signed": mailing.signed,
            "receiver_name": None,
        }
        found[mailing.case_id].append(item)
        if open_one is not None and mailing.handed_event_id and mailing.receiver == "family":
            named[mailing.handed_event_id] = item
    if named:
        for event_id, sealed, clear in session.execute(
            select(LedgerEvent.event_id, LedgerEvent.pii_sealed, cast(LedgerEvent.pii, Text)).where(
                LedgerEvent.event_id.in_(sorted(named))
            )
        ):
            pii = open_one(sealed, event_id) if sealed is not None else orjson.loads(clear) if clear else None
            named[event_id]["receiver_name"] = (pii or {}).get("receiver_name")  # none once retention purged it
    return found


def _opened(open_one: Callable[[str, str], dict[str, str]], history: list, *, full: bool) -> dict[str, str] | None:
    """The applicant from the newest event carrying personal fields, opened once; masked unless ``full``."""
    for event in reversed(history):
        sealed, clear = event[5], event[6]
        if sealed is not None:
            pii = open_one(sealed, event[1])
        else:  # a row from before sealing, in clear: JSON text, "null" or none when it carried no personal field
            pii = orjson.loads(clear) if clear is not None else None
            if not pii:
                continue
        return {k: v if full else _mask(k, v) for k, v in pii.items() if v}
    return None


def cases_after(
    session: Session,
    box: PiiBox,
    client: ApiClient,
    cursor: int,
    limit: int,
    *,
    applicant: bool = True,
    in_database: bool | None = None,
) -> FeedPage:
    """The page after ``cursor``. ``applicant=False`` (``?applicant=omit``) reads no personal field at all: the key
    is never used, and each item's ``applicant`` is null. ``in_database``: the page's JSON written by PostgreSQL in
    one query (county/services/exchange_sql.py), the default there; False, or SQLite: from the rows by orjson."""
    if not client.read_cases:
        raise CountyError(Refusal.FORBIDDEN, "no_permission", "这个接口客户端没有读取办件的权限。")
    limit = max(1, min(limit, MAX_PAGE))
    scope = ClientScope.of(client)
    in_database = in_database is not False and session.get_bind().dialect.name == "postgresql"
    build = _page_in_database if in_database else _page_from_rows
    return build(session, box, client, scope, cursor, limit, applicant=applicant)


def _page_in_database(
    session: Session, box: PiiBox, client: ApiClient, scope: ClientScope, cursor: int, limit: int, *, applicant: bool
) -> FeedPage:
    full = bool(client.read_pii)
    rows = exchange_sql.page_rows(
        session, scope, STATE_LABELS, cursor, limit, applicant=applicant, masked=not full or not applicant
    )
    more = len(rows) > limit
    rows = rows[:limit]
    open_one = box.opener() if applicant else None
    returned = _return_mailings(session, [row[5] for row in rows], open_one if full else None) if rows else {}
    items = []
    for _seq, item, sealed, clear, event_id, case_id in rows:
        mailings = orjson.dumps(returned.get(case_id, [])).decode()
        item = item[:-1] + ',"return_mailings":' + mailings + "}"
        if open_one is not None:
            person = orjson.dumps(_applicant(open_one, sealed, clear, event_id, full=full)).decode()
            item = '{"applicant":' + person + "," + item[1:]
        items.append(item)
    next_cursor = rows[-1][0] if rows else cursor
    tail = orjson.dumps({"next_cursor": next_cursor, "more": more, "server_time": iso(utcnow())}).decode()
    body = ('{"items":[' + ",".join(items) + "]," + tail[1:]).encode()
    return FeedPage(body=body, count=len(rows), next_cursor=next_cursor, more=more)


def _applicant(
    open_one: Callable[[str, str], dict[str, str]],
    sealed: str | None,
    clear: str | None,
    event_id: str | None,
    *,
    full: bool,
) -> dict[str, str] | None:
    """The applicant from the one event the query picked (the newest carrying personal fields), as _opened does."""
    if sealed is not None:
        pii = open_one(sealed, event_id)
    else:
        pii = orjson.loads(clear) if clear is not None else None
        if not pii:
            return None
    return {k: v if full else _mask(k, v) for k, v in pii.items() if v}


def _page_from_rows(
    session: Session, box: PiiBox, client: ApiClient, scope: ClientScope, cursor: int, limit: int, *, applicant: bool
) -> FeedPage:
    rows = session.execute(  # columns, not ORM objects: a page is read, never changed
        select(
            *(Case.__table__.c[name] for name in CASE_COLUMNS),
            Point.code.label("point_code"),
            Township.name.label("township"),
        )
        .join(Point, Point.id == Case.point_id)
        .join(Township, Township.id == Point.township_id)
        .where(Case.change_seq > cursor, scope.case_filter())
        .order_by(Case.change_seq)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    events = _events(session, [case.case_id for case in rows], with_pii=applicant) if rows else {}
    full = bool(client.read_pii)
    open_one = box.opener() if applicant else None
    returned = _return_mailings(session, [case.case_id for case in rows], open_one if full else None) if rows else {}
    masked = not full or not applicant
    items = []
    for case in rows:
        history = events.get(case.case_id, ())
        items.append(
            {
                "change_seq": case.change_seq,
                "case_id": case.case_id,
                "receipt_no": case.receipt_no,
                "point_code": case.point_code,
                "township": case.township,
                "item_code": case.item_code,
                "flow": case.flow,
                "mode": case.mode,
                "applicant_kind": case.applicant_kind,
                "state": case.state,
                "state_label": STATE_LABELS[case.state],
                "business_date": case.business_date,
                "recorded_at": case.recorded_at,
                "completed_at": case.completed_at,
                "disqualified": bool(case.disqualified),
                "applicant": _opened(open_one, history, full=full) if open_one else None,
                "applicant_masked": masked,
                "events": [
                    {"event_id": e[1], "type": e[2], "occurred_at": e[3], "body": orjson.Fragment(e[4])}
                    for e in history
                ],
                "return_mailings": returned.get(case.case_id, []),
            }
        )
    next_cursor = rows[-1].change_seq if rows else cursor
    body = orjson.dumps({"items": items, "next_cursor": next_cursor, "more": more, "server_time": iso(utcnow())})
    return FeedPage(body=body, count=len(items), next_cursor=next_cursor, more=more)


def apply_statuses(session: Session, client: ApiClient, request: StatusRequest, *, ip: str) -> StatusResponse:
    """Every update in the session's one transaction; the caller commits."""
    if not client.write_statuses:
        raise CountyError(Refusal.FORBIDDEN, "no_permission", "这个接口客户端没有回传办理状态的权限。")
    session.info[AUDIT_CONTEXT] = {"role": "api_client", "ip": ip}
    scope = ClientScope.of(client)
    refs = [update.client_ref for update in request.statuses]
    seen = set(
        session.scalars(
            select(ExchangeStatus.client_ref).where(
                ExchangeStatus.client_id == client.id, ExchangeStatus.client_ref.in_(refs)
            )
        )
    )
    results, now = [], utcnow()
    for update in request.statuses:
        if update.client_ref in seen:
            results.append(
                StatusOutcome(
                    client_ref=update.client_ref,
                    outcome="duplicate",
                    code="duplicate",
                    message="这条状态已经收到过，没有重复办理。",
                )
            )
            continue
        case = session.scalar(select(Case).where(Case.case_id == update.case_id, scope.case_filter()))
        try:
            if case is None:
                raise CountyError(
                    Refusal.NOT_FOUND, "case_not_found", "没有这笔办件，或它不在本接口客户端的数据范围内。"
                )
            departments.set_case_status(session, case, update.status, update.note, actor=f"api:{client.name}")
        except CountyError as refused:
            results.append(
                StatusOutcome(
                    client_ref=update.client_ref, outcome="rejected", code=refused.code, message=refused.message
                )
            )
            continue
        session.add(
            ExchangeStatus(
                client_id=client.id,
                client_ref=update.client_ref,
                case_id=case.case_id,
                status=update.status,
                outcome="accepted",
                at=now,
            )
        )
        seen.add(update.client_ref)
        results.append(StatusOutcome(client_ref=update.client_ref, outcome="accepted", state=case.state))
    return StatusResponse(results=results, server_time=iso(now))
