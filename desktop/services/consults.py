"""代办点转来的咨询: a villager's question the agent relays to the county, and the answer that comes back.

The question is a ``consult.asked`` event of the chain (sync/ledger/forms_consult.py), recorded offline like a
case and pushed with the rest; the villager's phone, if left, is a personal field (outside the hash, purged
after retention) and shown masked. The county's answer arrives on the pull feed as a ``consult_answer`` item
under the question's ``consult_id``. Passing the answer on is marked in ``villager_told`` (counter-local, as for
case statuses), so the home screen reminds the agent of answers not yet passed on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import insert, select

from desktop.services.session import Counter
from desktop.services.sync_view import when
from desktop.store.engine import read, write
from desktop.store.schema import county_item, event, outbox, villager_told
from sync.ledger.events import format_time
from sync.ledger.forms_consult import draft_consult
from sync.ledger.kinds import EventType, OutboxState
from sync.ledger.validation import mask_mobile

WAITING, ANSWERED, REFUSED = "等待答复", "已答复", "县里退回"
NOT_SENT = "还没传到县里，联网同步后送出"
SENT = "县里已收到，2 个工作日内答复"


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


def ask(counter: Counter, question: str, *, item_code: str = "", phone: str = "") -> str:
    """Record the question (one transaction); raises FormErrors, in plain Chinese, writing nothing."""
    draft = draft_consult(counter.catalogue, question, item_code=item_code, phone=phone)
    counter.append(draft)
    return draft.body["consult_id"]


def _answers(conn) -> dict[str, tuple[int, dict]]:
    found: dict[str, tuple[int, dict]] = {}
    for cursor, payload_json in conn.execute(
        select(county_item.c.cursor, county_item.c.payload_json)
        .where(county_item.c.kind == "consult_answer")
        .order_by(county_item.c.cursor)
    ):
        try:
            payload = json.loads(payload_json)
            found.setdefault(str(payload["consult_id"]), (cursor, payload))  # the first answer is the answer
        except (ValueError, KeyError, TypeError):
            continue
    return found


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
        answers = _answers(conn)
        told = set(conn.execute(select(villager_told.c.cursor)).scalars())
    out = []
    for occurred_at, body_json, pii_json, sync_state, error in rows:
        body, pii = json.loads(body_json), json.loads(pii_json) if pii_json else {}
        common = dict(
            consult_id=body["consult_id"],
            asked_at=when(occurred_at),
            question=body["question"],
            item_name=items.get(body["item_code"], body["item_code"]),
            phone=mask_mobile(pii["phone"]) if pii.get("phone") else "",
        )
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
            out.append(Relayed(**common, state=WAITING, detail=SENT if sync_state == OutboxState.ACKED else NOT_SENT))
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
