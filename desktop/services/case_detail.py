"""One case in full for the detail pane: its fields, materials, timeline of events, and the actions it allows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from desktop.services.cases import yuan
from desktop.services.mailings import returned_state_label
from desktop.services.session import Counter
from desktop.services.workdays import current_table
from desktop.store.engine import read
from desktop.store.schema import case, county_item, event, mailing, outbox
from sync.clock import china_now
from sync.ledger import item_fields
from sync.ledger.catalogue import Item
from sync.ledger.events import CHINA_TZ, parse_time
from sync.ledger.kinds import (
    CASE_STATE_LABELS,
    OUTBOX_STATE_LABELS,
    SERVICE_MODE_LABELS,
    CaseState,
    EventType,
    Flow,
    ServiceMode,
)
from sync.ledger.lifecycle import allowed_actions
from sync.ledger.validation import mask_mobile, mask_resident_id
from sync.ledger.workdays import case_due

AUDIT_FILE = "reveal-audit.log"
_CHANGE_LABELS = {
    "mode": "服务方式",
    "village": "村（组）",
    "notes": "备注",
    "amount_fen": "金额",
    "materials": "材料",
    "name": "姓名",
    "id_number": "身份证号码",
    "credit_code": "统一社会信用代码",
    "mobile": "手机号码",
}
FROM_COUNTY = "来自县里"
HANDOVER_TYPES = (EventType.MAILING_ARRIVED.value, EventType.MAILING_HANDED_OVER.value)


@dataclass(frozen=True)
class TimelineEntry:
    at: str  # "11-27 09:30"
    what: str
    sync: str


@dataclass(frozen=True)
class CaseDetail:
    case_id: str
    receipt_no: str
    item: Item
    flow: Flow
    state: CaseState
    state_label: str
    business_date: str
    mode: str
    mode_label: str
    applicant_kind: str
    name: str
    id_masked: str
    mobile_masked: str
    village: str
    notes: str
    amount: str
    materials: tuple[tuple[str, str], ...]  # (material name, 已收到 / 缺少)
    materials_raw: dict[str, str]
    void_reason: str
    county_note: str
    timeline: tuple[TimelineEntry, ...]
    actions: frozenset[EventType]
    due: str = ""  # when the open case should be done (desktop/services/workdays.py), "" when no deadline applies
    details: str = ""  # the item's own fields, "充值号码 186****1234；运营商 中国联通" (personal ones masked)
    detail_values: dict[str, str] = field(default_factory=dict)  # the non-personal ones by code, as stored
    detail_shown: dict[str, str] = field(default_factory=dict)  # every one by code as shown (personal masked)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(name for name, status in self.materials if status == "缺少")


def _short(at: str) -> str:
    return f"{parse_time(at).astimezone(CHINA_TZ):%m-%d %H:%M}"


def _amended_labels(body: dict, pii_keys: Iterable[str], item: Item | None) -> list[str]:
    """What a correction changed, by name: the body's changes, the item's fields, the personal fields' names."""
    own = {f.code: f.label for f in item.fields} if item is not None else {}
    changed = []
    for key, value in body.get("changes", {}).items():
        if key == "details" and isinstance(value, dict):
            changed += [own.get(code, code) for code in value]
        else:
            changed.append(_CHANGE_LABELS.get(key, key))
    changed += [own.get(key) or _CHANGE_LABELS.get(key, key) for key in pii_keys]
    return changed


def _describe(ev_type: str, body: dict, mailings: dict, pii_keys: Iterable[str] = (), item: Item | None = None) -> str:
    kind = EventType(ev_type)
    if kind is EventType.CASE_RECORDED:
        return f"登记办件，回执编号 {body['receipt_no']}"
    if kind is EventType.CASE_AMENDED:
        changed = _amended_labels(body, pii_keys, item)
        return "更正：" + ("、".join(changed) if changed else "申请人信息")
    if kind is EventType.CASE_VOIDED:
        return f"作废，原因：{body['reason']}"
    if kind is EventType.CASE_COMPLETED:
        return "办结（代办员确认）"
    if kind is EventType.MATERIALS_SENT:
        sent = mailings.get(body.get("mailing_id"))
        tracking = f"，运单号 {sent.tracking_no}" if sent is not None and sent.tracking_no else ""
        return "材料已送交部门" + ("（免费寄递" + tracking + "）" if sent is not None else "")
    if kind is EventType.EVIDENCE_ATTACHED:
        material = {m.code: m.name for m in item.guide.materials}.get(body["material"]) if item else None
        return f"添加材料影像：{material or body['material']}（{body['size'] // 1024 + 1} KB）"
    status = CASE_STATE_LABELS.get(CaseState(body["status"]), body["status"])
    note = f"：{body['note']}" if body.get("note") else ""
    return f"部门更新状态为“{status}”{note}"


def _county_rows(conn, case_id: str, kind: str = "case_status") -> list[tuple[dict, str, str]]:
    """The county's items of ``kind`` for this case: (payload, created_at, outcome), oldest first."""
    rows = conn.execute(
        select(county_item.c.payload_json, county_item.c.created_at, county_item.c.outcome)
        .where(county_item.c.kind == kind, county_item.c.payload_json.contains(case_id))
        .order_by(county_item.c.cursor)
    ).all()
    found = [(json.loads(row.payload_json), row.created_at, row.outcome) for row in rows]
    return [
        (payload, created_at, outcome) for payload, created_at, outcome in found if payload.get("case_id") == case_id
    ]


def _returned_entries(rows: list[tuple[dict, str, str]]) -> list[tuple[str, str, str]]:
    """The department's return mailings for this case (部门回寄), as timeline entries."""
    return [
        (
            payload.get("mailed_at") or created_at,
            f"部门回寄：{payload.get('contents', '')}，运单号 {payload.get('tracking_no', '')}（到了交给群众）",
            FROM_COUNTY,
        )
        for payload, created_at, outcome in rows
        if outcome == "applied"
    ]


def _handed_entries(conn, rows: list[tuple[dict, str, str]]) -> list[tuple[str, str, str]]:
    """The agent's steps with the case's return mailings (已到代办点, 已交群众, the receiver masked) and their sync."""
    ids = [payload.get("mailing_id") for payload, _created, outcome in rows if outcome == "applied"]
    if not ids:
        return []
    shown = {
        row["mailing_id"]: row for row in conn.execute(select(mailing).where(mailing.c.mailing_id.in_(ids))).mappings()
    }
    steps = conn.execute(
        select(event.c.type, event.c.occurred_at, event.c.subject_id, outbox.c.state)
        .join(outbox, outbox.c.seq == event.c.seq)
        .where(event.c.subject_id.in_(ids), event.c.type.in_(HANDOVER_TYPES))
        .order_by(event.c.seq)
    ).all()
    out = []
    for step in steps:
        row = shown[step.subject_id]
        what = (
            f"部门回寄已到代办点：{row['contents']}"
            if step.type == EventType.MAILING_ARRIVED
            else f"部门回寄{returned_state_label(row)}"
        )
        out.append((step.occurred_at, what, OUTBOX_STATE_LABELS.get(step.state, step.state)))
    return out


def _county_entries(rows: list[tuple[dict, str, str]]) -> list[tuple[str, str, str]]:
    """The county's statuses for this case as (time, what, where from); one it could not take is said so."""
    out = []
    for payload, created_at, outcome in rows:
        what = _describe(EventType.CASE_STATUS_CHANGED, payload, {})
        if outcome == "stale":
            what += "（本机这笔办件已是别的状态，没有采用）"
        out.append((payload.get("changed_at") or created_at, what, FROM_COUNTY))
    return out


def _status_on(rows: list[tuple[dict, str, str]], status: CaseState) -> date | None:
    """The day the department first set ``status`` (受理, 材料已签收) on the case, from its status items (China time)."""
    for payload, created_at, outcome in rows:
        if payload.get("status") == status.value and outcome != "stale":
            return parse_time(payload.get("changed_at") or created_at).astimezone(CHINA_TZ).date()
    return None


def _timeline(events, bodies, mailings, county, item: Item | None = None) -> tuple[TimelineEntry, ...]:
    entries = [
        (
            ev.occurred_at,
            _describe(ev.type, body, mailings, json.loads(ev.pii_digests_json or "{}"), item),
            OUTBOX_STATE_LABELS.get(ev.state, ev.state),
        )
        for ev, body in zip(events, bodies)
    ]
    entries += county
    entries.sort(key=lambda entry: parse_time(entry[0]))  # stable: same-time entries keep their order
    return tuple(TimelineEntry(_short(at), what, where) for at, what, where in entries)


def load_detail(counter: Counter, case_id: str) -> CaseDetail:
    with read(counter.store.engine) as conn:
        row = conn.execute(select(case).where(case.c.case_id == case_id)).mappings().one()
        events = conn.execute(
            select(event.c.type, event.c.occurred_at, event.c.body_json, event.c.pii_digests_json, outbox.c.state)
            .join(outbox, outbox.c.seq == event.c.seq)
            .where(event.c.subject_id == case_id)
            .order_by(event.c.seq)
        ).all()
        bodies = [json.loads(ev.body_json) for ev in events]
        mailing_ids = [b["mailing_id"] for b in bodies if b.get("mailing_id")]
        mailings = {
            m.mailing_id: m
            for m in conn.execute(
                select(mailing.c.mailing_id, mailing.c.tracking_no).where(mailing.c.mailing_id.in_(mailing_ids))
            )
        }
        county_rows = _county_rows(conn, case_id)
        returned = _county_rows(conn, case_id, "return_mailing")
        handed = _handed_entries(conn, returned)
    county = _county_entries(county_rows) + _returned_entries(returned) + handed
    item = counter.catalogue.by_code(row["item_code"])
    names = {m.code: m.name for m in item.guide.materials}
    materials_raw = {m["code"]: m["status"] for m in json.loads(row["materials_json"])}
    state, flow = CaseState(row["state"]), Flow(row["flow"])
    values, personal = json.loads(row["details_json"] or "{}"), json.loads(row["details_pii_json"] or "{}")
    identifier = mask_resident_id(row["id_number"]) if row["id_number"] else (row["credit_code"] or "")
    return CaseDetail(
        case_id=case_id,
        receipt_no=row["receipt_no"],
        item=item,
        flow=flow,
        state=state,
        state_label=CASE_STATE_LABELS[state],
        business_date=row["business_date"],
        mode=row["mode"],
        mode_label=SERVICE_MODE_LABELS[ServiceMode(row["mode"])],
        applicant_kind=row["applicant_kind"],
        name=row["name"] or "（已按规定清除）",
        id_masked=identifier,
        mobile_masked=mask_mobile(row["mobile"]) if row["mobile"] else "",
        village=row["village"] or "",
        notes=row["notes"] or "",
        amount=yuan(row["amount_fen"]),
        details="；".join(f"{name} {text}" for name, text in item_fields.lines(item.fields, values, personal)),
        detail_values=values,
        detail_shown={
            f.code: item_fields.shown(f, text)
            for f in item.fields
            if (text := (personal if f.personal else values).get(f.code))
        },
        materials=tuple(
            (names.get(code, code), "已收到" if status == "received" else "缺少")
            for code, status in materials_raw.items()
        ),
        materials_raw=materials_raw,
        void_reason=row["void_reason"] or "",
        county_note=row["county_note"] or "",
        timeline=_timeline(events, bodies, mailings, county, item),
        actions=allowed_actions(flow, state),
        due=case_due(
            item,
            flow,
            state,
            date.fromisoformat(row["business_date"]),
            _status_on(county_rows, CaseState.ACCEPTED),
            current_table(counter.store),
            signed_on=_status_on(county_rows, CaseState.MATERIALS_RECEIVED),
        ),
    )


def reveal_numbers(counter: Counter, case_id: str, why: str) -> dict[str, str]:
    """The full ID / credit code and phone, after the agent confirmed; the look is written to the audit log.

    The log keeps when, which receipt and which fields were shown, and the reason given, never the values.
    """
    with read(counter.store.engine) as conn:
        row = conn.execute(
            select(case.c.receipt_no, case.c.id_number, case.c.credit_code, case.c.mobile).where(
                case.c.case_id == case_id
            )
        ).one()
    shown = {key: getattr(row, key) for key in ("id_number", "credit_code", "mobile") if getattr(row, key)}
    logs = counter.store.layout.logs
    logs.mkdir(parents=True, exist_ok=True)
    line = {
        "at": counter.now().isoformat(timespec="seconds"),
        "receipt_no": row.receipt_no,
        "fields": sorted(shown),
        "why": why,
        "logged_at": china_now().isoformat(timespec="seconds"),
    }
    with open(logs / AUDIT_FILE, "a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return shown
