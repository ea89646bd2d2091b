"""代办点转来的咨询: a villager's question the agent relays to the county, and the answer that comes back.

The question is a ``consult.asked`` event of the chain (sync/ledger/forms_consult.py), recorded offline like a
case and pushed with the rest; the villager's phone, if left, is a personal field (outside the hash, purged
after retention) and shown masked. The county's answer arrives on the pull feed as a ``consult_answer`` item
under the question's ``consult_id``; before it, a ``consult_route`` item (feed 5) says which unit answers and by
when (the newest per question stands: the bureau may reassign it, or publish the year that confirms a date
marked 时限待确认). Passing the answer on is marked in ``villager_told`` (counter-local, as for
case statuses), so the home screen reminds the agent of answers not yet passed on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select

from desktop.services.session import Counter
from desktop.services.sync_view import when
from desktop.store.engine import read, write
from desktop.store.schema import county_item, event, outbox, villager_told
from sync.ledger.events import CHINA_TZ, format_time
from sync.ledger.forms_consult import draft_consult
from sync.ledger.kinds import EventType, OutboxState
from sync.ledger.validation import mask_mobile

WAITING, ANSWERED, REFUSED = "等待答复", "已答复", "县里退回"
NOT_SENT = "还没传到县里，联网同步后送出"
SENT = "县里已收到，2 个工作日内答复"
ROUTED = "县里已收到，已转给答复单位"
UNCONFIRMED = "时限待确认"
OVERDUE = "已超过答复期限"


@dataclass(frozen=True)
class Relayed:
    consult_id: str
    asked_at: str  # 12月07日 09:30
    question: str
    item_name: str  # "" when no item was chosen
    phone: str  # masked; "" when none was left (or purged)
    state: str  # WAITING / ANSWERED / REFUSED
    detail: str  # where it stands, in words: not sent yet, received, the county's refusal
    answer: str = ""
    answered_by: str = ""  # the answering unit
    answered_at: str = ""
    answer_cursor: int | None = None  # the feed item that brought the answer
    told: bool = False  # the agent passed the answer on
    answering_unit: str = ""  # the unit the county routed it to ("" until the county says, or an older county)
    due_date: str = ""  # YYYY-MM-DD the answer is due by; "" when not told or 时限待确认
    overdue: bool = False  # still waiting after its due date (the counter's China date)

    @property
    def route(self) -> str:
        """由 县市场监督管理局 答复，应于 2026-12-02 前答复 — or 时限待确认; "" before the county says."""
        if not self.answering_unit:
            return ""
        due = f"应于 {self.due_date} 前答复" if self.due_date else f"答复{UNCONFIRMED}"
        return f"由 {self.answering_unit} 答复，{due}" + (f"（{OVERDUE}）" if self.overdue else "")


def ask(counter: Counter, question: str, *, item_code: str = "", phone: str = "") -> str:
    """Record the question (one transaction); raises FormErrors, in plain Chinese, writing nothing."""
    draft = draft_consult(counter.catalogue, question, item_code=item_code, phone=phone)
    counter.append(draft)
    return draft.body["consult_id"]


def _items(conn, kind: str, *, newest: bool) -> dict[str, tuple[int, dict]]:
    """{consult_id: (cursor, payload)} of one kind: the first answer is the answer; the newest route stands."""
    found: dict[str, tuple[int, dict]] = {}
    for cursor, payload_json in conn.execute(
        select(county_item.c.cursor, county_item.c.payload_json)
        .where(county_item.c.kind == kind)
        .order_by(county_item.c.cursor.desc() if newest else county_item.c.cursor)
    ):
        try:
            payload = json.loads(payload_json)
            found.setdefault(str(payload["consult_id"]), (cursor, payload))
        except (ValueError, KeyError, TypeError):
            continue
    return found


def _route(payload: dict | None, today: date, waiting: bool) -> dict:
    """The Relayed fields of a ``consult_route`` payload: unit, due date, and overdue while still waiting."""
    if not payload or not str(payload.get("unit") or ""):
        return {}
    due = str(payload.get("due_date") or "")
    try:
        late = waiting and bool(due) and date.fromisoformat(due) < today
    except ValueError:
        due, late = "", False
    return {"answering_unit": str(payload["unit"]), "due_date": due, "overdue": late}


def relayed(counter: Counter) -> list[Relayed]:
    """Every question this counter relayed, newest first, with where it stands."""
    items = {item.code: item.name for item in counter.catalogue.items}
    with read(counter.store.engine) as conn:
        rows = conn.execute(
            select(event.c.occurred_at, event.c.body_json, event.c.pii_json, outbox.c.state, outbox.c.last_error)
            .join(outbox, outbox.c.seq == event.c.seq)
            .where(event.c.type == EventType.CONSULT_ASKED.value)
            .order_by(event.c.seq.desc())
        ).all()
        answers = _items(conn, "consult_answer", newest=False)
        routes = _items(conn, "consult_route", newest=True)
        told = set(conn.execute(select(villager_told.c.cursor)).scalars())
    today = counter.now().astimezone(CHINA_TZ).date()
    out = []
    for occurred_at, body_json, pii_json, sync_state, error in rows:
        body, pii = json.loads(body_json), json.loads(pii_json) if pii_json else {}
        common: dict = dict(
            consult_id=body["consult_id"],
            asked_at=when(occurred_at),
            question=body["question"],
            item_name=items.get(body["item_code"], body["item_code"]),
            phone=mask_mobile(pii["phone"]) if pii.get("phone") else "",
        )
        waiting = body["consult_id"] not in answers and sync_state != OutboxState.REJECTED
        common |= _route(routes.get(body["consult_id"], (0, None))[1], today, waiting)
        if body["consult_id"] in answers:
            cursor, payload = answers[body["consult_id"]]
            out.append(
                Relayed(
                    **common,
                    state=ANSWERED,
                    detail="答复已送回本机",
                    answer=str(payload.get("answer", "")),
                    answered_by=str(payload.get("unit", "")),
                    answered_at=when(str(payload.get("answered_at", ""))),
                    answer_cursor=cursor,
                    told=cursor in told,
                )
            )
        elif sync_state == OutboxState.REJECTED:
            out.append(Relayed(**common, state=REFUSED, detail=error or "县里没有收下这条咨询。"))
        else:
            detail = NOT_SENT if sync_state != OutboxState.ACKED else ROUTED if "answering_unit" in common else SENT
            out.append(Relayed(**common, state=WAITING, detail=detail))
    return out


def answers_to_pass_on(counter: Counter) -> list[Relayed]:
    """Answers that came back and the agent has not yet told the villager (the home screen's reminder)."""
    return [r for r in relayed(counter) if r.state == ANSWERED and not r.told]


def mark_told(counter: Counter, entry: Relayed) -> None:
    """The agent passed the answer on; it leaves the reminder."""
    if entry.answer_cursor is None:
        return
    with write(counter.store.engine) as conn:
        if conn.execute(select(villager_told.c.cursor).where(villager_told.c.cursor == entry.answer_cursor)).first():
            return
        conn.execute(
            insert(villager_told).values(
                cursor=entry.answer_cursor, case_id=entry.consult_id, told_at=format_time(counter.now())
            )
        )
