"""Telling the villager (需通知群众): county 退回 and 办结 the agent must pass on, until marked as told.

The list is worked out from the county feed (a case-status item that was applied and is still the case's
state) minus what the agent marked told. The mark is counter-local (table ``villager_told``): the county
already knows the status it set, and a lost mark only lists a case again (the agent calls twice, nobody is
left untold); it is not an event of the chain and does not travel.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import insert, select

from desktop.services.case_detail import reveal_numbers
from desktop.services.session import Counter
from desktop.store.engine import read, write
from desktop.store.schema import case, county_item, villager_told
from sync.ledger.events import format_time
from sync.ledger.kinds import CaseState
from sync.ledger.validation import mask_mobile, mask_name

TOLD_STATES = {CaseState.RETURNED.value: "部门退回", CaseState.COMPLETED.value: "部门办结"}
NO_PHONE = "没有留电话，请上门或托村干部转告"


@dataclass(frozen=True)
class ToTell:
    cursor: int  # the county status item to pass on
    case_id: str
    receipt_no: str
    item_name: str
    applicant: str  # masked
    phone: str  # masked; NO_PHONE when none was left
    has_phone: bool
    what: str  # 部门退回 / 部门办结
    reason: str  # the department's note


def to_tell(counter: Counter) -> list[ToTell]:
    """The cases whose villager must still be told of a county status, oldest first."""
    with read(counter.store.engine) as conn:
        told = set(conn.execute(select(villager_told.c.cursor)).scalars())
        items = conn.execute(
            select(county_item.c.cursor, county_item.c.payload_json)
            .where(county_item.c.kind == "case_status", county_item.c.outcome == "applied")
            .order_by(county_item.c.cursor)
        ).all()
        latest: dict[str, tuple[int, dict]] = {}
        for cursor, payload_json in items:
            payload = json.loads(payload_json)
            latest[payload["case_id"]] = (cursor, payload)  # a later status supersedes an earlier one
        waiting = {
            case_id: found
            for case_id, found in latest.items()
            if found[0] not in told and found[1].get("status") in TOLD_STATES
        }
        rows = {
            row.case_id: row
            for row in conn.execute(
                select(
                    case.c.case_id, case.c.receipt_no, case.c.item_code, case.c.state, case.c.name, case.c.mobile
                ).where(case.c.case_id.in_(list(waiting)))
            )
        }
    out = []
    for case_id, (cursor, payload) in sorted(waiting.items(), key=lambda pair: pair[1][0]):
        row = rows.get(case_id)
        if row is None or row.state != payload["status"]:  # corrected and resubmitted since, or voided
            continue
        out.append(
            ToTell(
                cursor,
                case_id,
                row.receipt_no,
                _item_name(counter, row.item_code),
                mask_name(row.name) if row.name else "（已清除）",
                mask_mobile(row.mobile) if row.mobile else NO_PHONE,
                bool(row.mobile),
                TOLD_STATES[payload["status"]],
                payload.get("note") or "",
            )
        )
    return out


def _item_name(counter: Counter, code: str) -> str:
    found = next((item for item in counter.catalogue.items if item.code == code), None)
    return found.name if found else code


def phone_to_call(counter: Counter, case_id: str) -> str:
    """The full phone number to call, shown as the detail pane shows it: the look is audit-logged."""
    return reveal_numbers(counter, case_id, "通知群众部门办理结果").get("mobile", "")


def mark_told(counter: Counter, entry: ToTell) -> None:
    """The agent told the villager: the case leaves the list (a later county status brings it back)."""
    with write(counter.store.engine) as conn:
        if conn.execute(select(villager_told.c.cursor).where(villager_told.c.cursor == entry.cursor)).first():
            return
        conn.execute(
            insert(villager_told).values(cursor=entry.cursor, case_id=entry.case_id, told_at=format_time(counter.now()))
        )
