"""Case forms (办件登记与更正): the checks of case.recorded and case.amended, and the drafts built from them."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sync.ledger.catalogue import FLOW_LABELS, Catalogue, CatalogueError, Item
from sync.ledger.events import EventDraft, china_now, new_id, parse_time
from sync.ledger.forms_base import (
    Problems,
    check_business_date,
    check_choice,
    check_id,
    is_blank,
    shown,
    take,
)
from sync.ledger.item_fields import check_changes, check_values, quiet_defaulted, with_defaults
from sync.ledger.kinds import (
    CASE_PII_FIELDS,
    ORG_PII_FIELDS,
    PERSON_PII_FIELDS,
    ApplicantKind,
    EventType,
    Flow,
    ServiceMode,
)
from sync.ledger.receipts import ReceiptNoError, normalize_receipt_no
from sync.ledger.validation import (
    ValidationError,
    clean_org_name,
    clean_person_name,
    clean_text,
    normalize_credit_code,
    normalize_mobile,
    normalize_resident_id,
    parse_amount_fen,
)

CONSENT_MESSAGE = "请先向群众说明用途，并取得本人同意后再登记个人信息。"
MATERIAL_STATUSES = ("received", "missing")  # 已收到 / 缺少（写进一次性告知）
AMENDABLE = ("mode", "village", "notes", "amount_fen", "materials", "details")  # details: the item's own fields
_RECORDED_KEYS = tuple(
    [
        "case_id",
        "receipt_no",
        "business_date",
        "item_code",
        "catalogue_version",
        "flow",
        "points",
        "mode",
        "applicant_kind",
        "village",
        "materials",
        "amount_fen",
        "notes",
        "consent",
        "details",  # optional: the item's own non-personal fields (catalogue format 2)
        "form_seconds",  # optional: how long the case form was open before saving (newer counters)
    ]
)
_APPLICANT_KEYS = {
    ApplicantKind.PERSON.value: PERSON_PII_FIELDS,
    ApplicantKind.ORG.value: ORG_PII_FIELDS,
}


# ---- field rules ---------------------------------------------------------------------------------


def _mode(raw: object) -> str:
    return check_choice(
        raw,
        ServiceMode,
        field="mode",
        empty="请选择服务方式（代办点、上户或活动日）。",
        bad="服务方式只能是代办点、上户或活动日，请重新选择。",
    )


def _village(raw: object) -> str:
    return clean_text(raw, field="village", label="村（组）", max_len=30)  # type: ignore[arg-type]


def _notes(raw: object) -> str:
    return clean_text(raw, field="notes", label="备注", max_len=500, multiline=True)  # type: ignore[arg-type]


FORM_SECONDS_MAX = 86_400


def _form_seconds(raw: object) -> int:
    """How long the form was open, whole seconds, as the counter measured it (a duration, not a clock time)."""
    if type(raw) is not int or not 0 <= raw <= FORM_SECONDS_MAX:
        raise ValidationError("form_seconds", "填表用时的格式不对，这条记录不能保存；请升级软件后重试。")
    return raw


def _item(raw: object, catalogue: Catalogue) -> Item:
    if is_blank(raw):
        raise ValidationError("item_code", "请选择要办理的事项。")
    code = unicodedata.normalize("NFKC", raw).strip().upper() if isinstance(raw, str) else raw
    try:
        return catalogue.by_code(code)  # type: ignore[arg-type]
    except CatalogueError:
        raise ValidationError(
            "item_code", f"{catalogue.version} 版事项清单里没有这个事项（{shown(raw)}），请重新选择。"
        ) from None


def _receipt_no(raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValidationError("receipt_no", "回执编号格式不对。")
    try:
        return normalize_receipt_no(raw)
    except ReceiptNoError as exc:
        raise ValidationError("receipt_no", str(exc)) from None


def _amount(raw: object, item: Item) -> int | None:
    """Wire form: int fen, required exactly when the item takes an amount."""
    if not item.takes_amount:
        if raw is not None:
            raise ValidationError("amount_fen", f"“{item.name}”不登记金额，请清空金额。")
        return None
    if is_blank(raw):
        raise ValidationError("amount_fen", "请填写金额（单位：元）。")
    if type(raw) is not int:
        raise ValidationError("amount_fen", "金额格式不对，应为以分为单位的整数。")
    return parse_amount_fen(raw)


def _materials(raw: object, item: Item, problems: Problems) -> list[dict[str, str]]:
    """[{"code", "status"}] in the guide's order; an approval item must account for every required material."""
    guide = {material.code: material for material in item.guide.materials}
    order = {code: n for n, code in enumerate(guide)}
    if raw is None:
        raw = []
    if not isinstance(raw, (list, tuple)):
        problems.add("materials", "材料清单的格式不对，这条记录不能保存。")
        return []
    found: dict[str, str] = {}
    for entry in raw[: len(guide) + 1]:
        if (type(entry) is not dict and not isinstance(entry, Mapping)) or set(entry) != {"code", "status"}:
            problems.add("materials", "材料清单里有一项格式不对，这条记录不能保存。")
            continue
        code, status = entry["code"], entry["status"]
        if not isinstance(code, str) or code not in guide:
            problems.add("materials", f"“{item.name}”的办事指南里没有材料“{shown(code)}”，请按指南重新勾选。")
        elif code in found:
            problems.add("materials", f"材料“{guide[code].name}”列了两次，请只保留一次。")
        elif not isinstance(status, str) or status not in MATERIAL_STATUSES:
            problems.add(f"materials.{code}", f"请标明材料“{guide[code].name}”是已收到还是缺少。")
        else:
            found[code] = status
    if len(raw) > len(guide):
        problems.add("materials", "材料清单比办事指南列的还多，请按指南重新勾选。")
    if item.flow is Flow.APPROVAL:
        absent = [m.name for m in item.guide.materials if m.required and m.code not in found]
        if absent:
            problems.add("materials", f"请逐项核对必需材料，还没有标明已收到或缺少：{'、'.join(absent)}。")
    return [{"code": code, "status": found[code]} for code in sorted(found, key=order.__getitem__)]


def applicant_pii(raw: object, kind: str | None, problems: Problems, *, partial: bool) -> dict[str, str]:
    """The applicant's personal fields for ``kind`` (None: not known, any of them). Empty values are left out."""
    allowed = _APPLICANT_KEYS.get(kind or "", CASE_PII_FIELDS)
    fields = take(raw, allowed, problems, where="pii", label="申请人信息")
    org = kind != ApplicantKind.PERSON.value
    rules = {
        "name": clean_org_name if org else clean_person_name,
        "id_number": normalize_resident_id,
        "credit_code": normalize_credit_code,
        "mobile": normalize_mobile,
    }
    out: dict[str, str] = {}
    for key in allowed:
        value = fields.get(key)
        if is_blank(value):
            if partial or key == "mobile" or kind is None:
                continue
            if key == "name" and org:
                problems.add("name", "请填写单位（企业、个体工商户、村集体）的名称。")
                continue
        checked = problems.check(key, rules[key], value, field=key)
        if checked is not None:
            out[key] = checked
    return out


# ---- the two case events that carry a form -----------------------------------------------------


def check_case_recorded(body: object, pii: object, catalogue: Catalogue, problems: Problems) -> tuple[dict, dict]:
    fields = take(body, _RECORDED_KEYS, problems, where="body", label="办件内容")
    get = fields.get
    out: dict[str, Any] = {
        "case_id": problems.check("case_id", check_id, get("case_id"), field="case_id", label="办件编号"),
        "receipt_no": problems.check("receipt_no", _receipt_no, get("receipt_no")),
        "business_date": problems.check("business_date", check_business_date, get("business_date")),
        "catalogue_version": get("catalogue_version"),
        "mode": problems.check("mode", _mode, get("mode")),
        "applicant_kind": problems.check(
            "applicant_kind",
            check_choice,
            get("applicant_kind"),
            ApplicantKind,
            field="applicant_kind",
            empty="请选择申请人是个人还是单位。",
            bad="申请人只能是个人或单位（企业、个体工商户、村集体），请重新选择。",
        ),
        "village": problems.check("village", _village, get("village")),
        "notes": problems.check("notes", _notes, get("notes")),
        "consent": True,
    }
    if get("form_seconds") is not None:
        out["form_seconds"] = problems.check("form_seconds", _form_seconds, get("form_seconds"))
    if get("consent") is not True:
        problems.add("consent", CONSENT_MESSAGE)
    if get("catalogue_version") != catalogue.version:
        problems.add(
            "catalogue_version",
            f"这笔办件按 {shown(get('catalogue_version'))} 版事项清单登记，"
            f"与现在的 {catalogue.version} 版不一致，请同步事项清单后重新登记。",
        )
    item = problems.check("item_code", _item, get("item_code"), catalogue)
    if item is not None:
        out["item_code"], out["flow"], out["points"] = item.code, item.flow.value, item.points
        if get("flow") != item.flow.value:
            problems.add("flow", f"“{item.name}”的办理方式应为{FLOW_LABELS[item.flow]}，与记录不一致。")
        if type(get("points")) is not int or get("points") != item.points:
            problems.add("points", f"“{item.name}”每件记 {item.points} 积分，与记录不一致。")
        out["materials"] = _materials(get("materials"), item, problems)
        out["amount_fen"] = problems.check("amount_fen", _amount, get("amount_fen"), item)
    own = {f.code for f in item.fields if f.personal} if item is not None else set()
    applicant = {k: v for k, v in pii.items() if k not in own} if own and isinstance(pii, Mapping) else pii
    new_pii = applicant_pii(applicant, out["applicant_kind"], problems, partial=False)
    if item is not None and item.fields:
        details, item_pii = check_values(item.fields, get("details"), pii or {}, problems, item.name)
        if any(not f.personal for f in item.fields):
            out["details"] = details
        new_pii.update(item_pii)
    elif get("details") is not None:
        problems.add("details", "这个事项在这一版事项清单里没有专属信息，不能保存；请同步事项清单后重新登记。")
    return out, new_pii


def check_case_amended(
    body: object, pii: object, item: Item | None, problems: Problems, *, applicant_kind: str | None = None
) -> tuple[dict, dict]:
    if item is None:
        raise TypeError("checking case.amended needs the case's item (item=...)")
    fields = take(body, ("case_id", "changes"), problems, where="body", label="更正内容")
    case_id = problems.check("case_id", check_id, fields.get("case_id"), field="case_id", label="办件编号")
    changes = take(fields.get("changes"), AMENDABLE, problems, where="changes", label="更正内容")
    rules = {"mode": _mode, "village": _village, "notes": _notes}
    out: dict[str, Any] = {}
    own = {f.code for f in item.fields if f.personal}
    given_pii = pii if isinstance(pii, Mapping) else {}
    for key, value in changes.items():
        if key in rules:
            out[key] = problems.check(key, rules[key], value)
        elif key == "materials":
            out[key] = _materials(value, item, problems)
        elif key == "details":
            if not any(not f.personal for f in item.fields):
                problems.add("details", f"“{item.name}”没有可更正的专属信息，这条更正不能保存。")
                continue
            if isinstance(value, Mapping) and not value:
                problems.add("details", "更正的专属信息是空的，请去掉后再保存。")
                continue
            out[key], _ = check_changes(item.fields, value, {}, problems, item.name)
        elif not item.takes_amount:  # amount_fen
            problems.add(key, f"“{item.name}”不登记金额，不能更正金额。")
        else:
            out[key] = problems.check(key, _amount, value, item)
    applicant = {k: v for k, v in given_pii.items() if k not in own} if own else pii
    new_pii = applicant_pii(applicant, applicant_kind, problems, partial=True)
    if own:
        _, item_pii = check_changes(
            item.fields, {}, {k: v for k, v in given_pii.items() if k in own}, problems, item.name
        )
        new_pii.update(item_pii)
    if not changes and not new_pii and not problems.errors:
        problems.add("changes", "没有要更正的内容，请修改后再保存。")
    return {"case_id": case_id, "changes": out}, new_pii


# ---- what the agent typed, and the drafts ------------------------------------------------------


@dataclass
class CaseForm:
    """The case screen as the agent filled it in: strings as typed, materials as code → received/missing."""

    item_code: str
    mode: str
    applicant_kind: str = ApplicantKind.PERSON.value
    name: str = ""
    id_number: str = ""
    credit_code: str = ""
    mobile: str = ""
    village: str = ""
    materials: dict[str, str] = field(default_factory=dict)
    amount: str | int | None = None  # yuan as typed ("12.5") or int fen
    notes: str = ""
    consent: bool = False
    details: dict[str, str] = field(default_factory=dict)  # the item's own fields as typed, by field code
    form_seconds: int | None = None  # how long the form was open (the counter's monotonic clock); None: not measured


def _typed_amount(raw: object, problems: Problems) -> int | None:
    if is_blank(raw):
        return None
    return problems.check("amount_fen", parse_amount_fen, raw)


def _typed_materials(raw: object) -> object:
    if isinstance(raw, Mapping):
        return [{"code": code, "status": status} for code, status in raw.items()]
    return raw


def draft_case(
    form: CaseForm,
    catalogue: Catalogue,
    *,
    business_date: date | None = None,
    case_id: str | None = None,
    occurred_at: str | None = None,
) -> EventDraft:
    """CASE_RECORDED from the case form; errors are keyed by the form's fields (``amount``, not amount_fen)."""
    problems = Problems(rename={"amount_fen": "amount"})
    kind = form.applicant_kind
    item_code = form.item_code
    try:
        item: Item | None = _item(item_code, catalogue)
    except ValidationError:
        item = None
    body = {
        "case_id": case_id or new_id(),
        "receipt_no": None,
        "business_date": business_date or china_now().date(),
        "item_code": item_code,
        "catalogue_version": catalogue.version,
        "flow": item.flow.value if item else None,
        "points": item.points if item else None,
        "mode": form.mode,
        "applicant_kind": kind,
        "village": form.village,
        "materials": _typed_materials(form.materials),
        "amount_fen": _typed_amount(form.amount, problems),
        "notes": form.notes,
        "consent": form.consent,
    }
    if form.form_seconds is not None:  # only when measured: a body without it hashes as older counters' do
        body["form_seconds"] = min(max(int(form.form_seconds), 0), FORM_SECONDS_MAX)
    keys = _APPLICANT_KEYS.get(kind, ("name", "mobile"))
    pii = {key: getattr(form, key) for key in keys}
    if item is not None and item.fields:
        typed = with_defaults(
            item.fields, form.details, applicant_mobile=form.mobile, business_date=body["business_date"]
        )
        personal = {f.code for f in item.fields if f.personal}
        body["details"] = {k: v for k, v in typed.items() if k not in personal}
        pii.update({k: v for k, v in typed.items() if k in personal})
    body, pii = check_case_recorded(body, pii, catalogue, problems)
    if item is not None and item.fields:
        quiet_defaulted(item.fields, form.details, problems.errors)
    problems.raise_if_any()
    # The recording event takes the case's id as its own: both are unique, and the wire then carries one id.
    if occurred_at is None:
        return EventDraft(EventType.CASE_RECORDED, body, pii, event_id=body["case_id"])
    parse_time(occurred_at)
    return EventDraft(EventType.CASE_RECORDED, body, pii, occurred_at=occurred_at, event_id=body["case_id"])


def draft_amend(
    case_id: str,
    item: Item,
    catalogue: Catalogue,
    *,
    changes: Mapping[str, Any],
    pii_changes: Mapping[str, Any],
    applicant_kind: str | None = None,
) -> EventDraft:
    """CASE_AMENDED: ``changes`` use body keys; amount_fen may be yuan as typed, materials a code → status dict.

    ``changes["details"]`` may hold any of the item's own fields by code: the personal ones are moved to the
    event's personal fields (``pii``), the others stay in the body; an empty result is left out.

    ``item`` is the case's item as recorded (the ``catalogue`` is taken for symmetry with draft_case);
    ``applicant_kind`` (the case's, when known) makes a changed name follow the person or the org rules.
    """
    problems = Problems()
    typed = dict(changes)
    if "amount_fen" in typed and isinstance(typed["amount_fen"], str):
        typed["amount_fen"] = _typed_amount(typed["amount_fen"], problems)
    if "materials" in typed:
        typed["materials"] = _typed_materials(typed["materials"])
    pii_typed = dict(pii_changes)
    if isinstance(typed.get("details"), Mapping):
        personal = {f.code for f in item.fields if f.personal}
        details = dict(typed.pop("details"))
        pii_typed.update({k: v for k, v in details.items() if k in personal and not is_blank(v)})
        if rest := {k: v for k, v in details.items() if k not in personal}:
            typed["details"] = rest
    body, pii = check_case_amended(
        {"case_id": case_id, "changes": typed}, pii_typed, item, problems, applicant_kind=applicant_kind
    )
    problems.raise_if_any()
    return EventDraft(EventType.CASE_AMENDED, body, pii)
