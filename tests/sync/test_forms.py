"""Tests for the shared checks of event bodies: drafts from typed forms, and the county's re-check of pushes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import EventDraft, new_id
from sync.ledger.forms import (
    CONSENT_MESSAGE,
    CaseForm,
    FormErrors,
    MailingForm,
    check_event,
    draft_amend,
    draft_case,
    draft_complete,
    draft_consult,
    draft_delivered,
    draft_dispatch,
    draft_mailing,
    draft_materials_sent,
    draft_void,
    normalize_tracking_no,
)
from sync.ledger.kinds import EventType
from sync.ledger.receipts import format_receipt_no
from sync.ledger.validation import ValidationError

CAT = load_catalogue()
DAY = date(2026, 11, 27)
PERSON_ID = "360222195003150017"
ORG_CODE = "91360222MA35ABCD1T"
CJK = re.compile(r"[\u4e00-\u9fff]")
FL015_ALL = {"application": "received", "id_card": "received", "premises": "received"}


def make_form(**overrides: Any) -> CaseForm:
    """A valid 缴纳话费 case at the counter; overrides change single fields."""
    fields: dict[str, Any] = dict(
        item_code="FL001",
        mode="point",
        name="王秀英",
        id_number=PERSON_ID,
        mobile="138 0013 8000",
        village="瑶里村",
        amount="12.5",
        consent=True,
    )
    fields.update(overrides)
    return CaseForm(**fields)


def make_mailing(**overrides: Any) -> MailingForm:
    fields: dict[str, Any] = dict(
        direction="to_department",
        unit_code="scjg",
        contents="个体工商户设立登记申请材料",
        pieces="2",
        case_ids=[new_id()],
    )
    fields.update(overrides)
    return MailingForm(**fields)


def refused(call: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(FormErrors) as caught:
        call(*args, **kwargs)
    errors = caught.value.errors
    assert errors and all(CJK.search(message) and message.endswith("。") for message in errors.values())
    return errors


def recheck(draft: EventDraft, **kwargs: Any) -> tuple[dict, dict]:
    return check_event(draft.type, draft.body, draft.pii, CAT, **kwargs)


def recorded(**body_changes: Any) -> tuple[dict, dict]:
    """The body and pii of a valid recorded case, as the county receives them, with some keys changed."""
    draft = draft_case(make_form(), CAT, business_date=DAY)
    return {**draft.body, **body_changes}, dict(draft.pii)


# ---- valid drafts, one per flow ----------------------------------------------------------------


def test_a_payment_case_records_the_amount_in_fen_with_the_items_flow_and_points() -> None:
    draft = draft_case(make_form(), CAT, business_date=DAY)
    assert draft.type is EventType.CASE_RECORDED
    body = dict(draft.body)
    assert body.pop("case_id") and body == {
        "receipt_no": None,
        "business_date": "2026-11-27",
        "item_code": "FL001",
        "catalogue_version": CAT.version,
        "flow": "payment",
        "points": 1,
        "mode": "point",
        "applicant_kind": "person",
        "village": "瑶里村",
        "materials": [],
        "amount_fen": 1250,
        "notes": "",
        "consent": True,
        "details": {"operator": "yd"},  # 138 is a 中国移动 number: the operator follows from the number paid for
    }
    assert dict(draft.pii) == {
        "name": "王秀英",
        "id_number": PERSON_ID,
        "mobile": "13800138000",
        "paid_mobile": "13800138000",  # the number paid for defaults to the applicant's
    }


def test_an_online_case_takes_no_amount_and_may_list_some_of_its_materials() -> None:
    form = make_form(item_code="FL011", mode="home", amount=None, materials={"phone": "received"})
    body = draft_case(form, CAT, business_date=DAY).body
    assert (body["flow"], body["points"], body["amount_fen"]) == ("online", 3, None)
    assert body["materials"] == [{"code": "phone", "status": "received"}]


def test_an_approval_case_keeps_a_missing_material_for_the_one_time_notice_in_the_guides_order() -> None:
    ticked = {"premises": "missing", "id_card": "received", "application": "received"}
    body = draft_case(make_form(item_code="FL015", amount=None, materials=ticked), CAT, business_date=DAY).body
    assert (body["flow"], body["points"]) == ("approval", 4)
    assert body["materials"] == [
        {"code": "application", "status": "received"},
        {"code": "id_card", "status": "received"},
        {"code": "premises", "status": "missing"},
    ]


def test_an_organisation_is_identified_by_its_credit_code_and_a_village_collective_may_start_with_n() -> None:
    for code in (ORG_CODE, "n2360222mf1234567b"):
        form = make_form(applicant_kind="org", name="浮梁县瑶里（茶叶）专业合作社", id_number="", credit_code=code)
        pii = draft_case(form, CAT, business_date=DAY).pii
        assert pii["credit_code"] == code.upper() and "id_number" not in pii


def test_a_draft_has_no_receipt_number_yet_and_keeps_a_given_case_id_and_time() -> None:
    case_id = new_id()
    draft = draft_case(make_form(), CAT, case_id=case_id, occurred_at="2026-11-27T09:30:12.345+08:00")
    assert draft.body["receipt_no"] is None and draft.body["case_id"] == case_id
    assert draft.occurred_at == "2026-11-27T09:30:12.345+08:00"


def test_typed_personal_fields_are_normalised_and_empty_ones_left_out() -> None:
    form = make_form(id_number=" ３６０２２２１９５００３１５００１７ ", mobile="+86 138-0013-8000")
    assert dict(draft_case(form, CAT).pii)["id_number"] == PERSON_ID
    assert "mobile" not in draft_case(make_form(mobile="  ", details={"paid_mobile": "13307981234"}), CAT).pii


def test_an_extension_b_name_survives_byte_for_byte() -> None:
    name = "\U00020bb7\u4e09\U0002a6d6"  # 𠮷 and 𪛖 are CJK Extension B
    pii = draft_case(make_form(name=name), CAT).pii
    assert pii["name"].encode("utf-8") == name.encode("utf-8")
    assert recheck(draft_case(make_form(name=name), CAT))[1]["name"].encode("utf-8") == name.encode("utf-8")


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=500_000_000))  # the cap is 500 万元
def test_any_amount_typed_in_yuan_is_stored_as_the_same_number_of_fen(fen: int) -> None:
    typed = f"{fen // 100}.{fen % 100:02d}"
    assert draft_case(make_form(amount=typed), CAT).body["amount_fen"] == fen
    assert draft_case(make_form(amount=fen), CAT).body["amount_fen"] == fen


# ---- one field wrong: its message, under its key -----------------------------------------------

WITHOUT_PREMISES = {"application": "received", "id_card": "received"}
FIELD_REFUSALS = {
    "no item": ({"item_code": ""}, "item_code", "请选择要办理的事项"),
    "unknown item": ({"item_code": "FL999"}, "item_code", "没有这个事项"),
    "no mode": ({"mode": ""}, "mode", "请选择服务方式"),
    "a flow given as mode": ({"mode": "online"}, "mode", "服务方式只能是"),
    "unknown applicant kind": ({"applicant_kind": "robot"}, "applicant_kind", "申请人只能是"),
    "no name": ({"name": " "}, "name", "请填写姓名"),
    "digit in a name": ({"name": "王3"}, "name", "不能有数字"),
    "no id number": ({"id_number": ""}, "id_number", "请填写身份证号码"),
    "wrong id check digit": ({"id_number": "360222195003150018"}, "id_number", "校验码"),
    "short mobile": ({"mobile": "1380013800"}, "mobile", "手机号码应为 11 位"),
    "long village": ({"village": "村" * 31}, "village", "村（组）最多 30 个字"),
    "two-line village": ({"village": "瑶里\n汪胡"}, "village", "只能填一行"),
    "no amount for a payment": ({"amount": ""}, "amount", "请填写金额"),
    "amount below a fen": ({"amount": "12.345"}, "amount", "小数点后两位"),
    "zero amount": ({"amount": "0"}, "amount", "必须大于 0"),
    "a float amount": ({"amount": 12.5}, "amount", "只能填数字"),
    "an amount for an online item": ({"item_code": "FL011", "amount": "5"}, "amount", "不登记金额"),
    "long notes": ({"notes": "字" * 501}, "notes", "备注最多 500 个字"),
    "a control character in notes": ({"notes": "已缴\x07"}, "notes", "控制字符"),
    "no consent": ({"consent": False}, "consent", CONSENT_MESSAGE),
    "a material not in the guide": (
        {"item_code": "FL011", "amount": None, "materials": {"passport": "received"}},
        "materials",
        "没有材料“passport”",
    ),
    "a material neither received nor missing": (
        {"item_code": "FL011", "amount": None, "materials": {"phone": "maybe"}},
        "materials.phone",
        "已收到还是缺少",
    ),
    "an approval item with a required material unaccounted for": (
        {"item_code": "FL015", "amount": None, "materials": WITHOUT_PREMISES},
        "materials",
        "经营场所使用证明",
    ),
    "an organisation without a credit code": (
        {"applicant_kind": "org", "name": "瑶里茶叶店", "credit_code": ""},
        "credit_code",
        "请填写统一社会信用代码",
    ),
    "an organisation without a name": ({"applicant_kind": "org", "name": "", "credit_code": ORG_CODE}, "name", "名称"),
}


@pytest.mark.parametrize(("overrides", "key", "expected"), FIELD_REFUSALS.values(), ids=FIELD_REFUSALS.keys())
def test_a_wrong_field_is_refused_in_chinese_under_its_own_key(overrides: dict, key: str, expected: str) -> None:
    errors = refused(draft_case, make_form(**overrides), CAT)
    assert set(errors) == {key} and expected in errors[key]


def test_several_problems_are_reported_together_and_joined_for_one_line() -> None:
    form = make_form(mode="", name="", id_number="123", amount="abc", consent=False)
    with pytest.raises(FormErrors) as caught:
        draft_case(form, CAT)
    assert set(caught.value.errors) == {"mode", "name", "id_number", "amount", "consent"}
    text = str(caught.value)
    assert text.count("；") == 4 and text.endswith("。") and "。；" not in text


# ---- the county's re-check ---------------------------------------------------------------------


def every_kind_of_draft() -> list[tuple[EventDraft, dict[str, Any]]]:
    case_id, mailing_id = new_id(), new_id()
    fl015 = CAT.by_code("FL015")
    return [
        (draft_case(make_form(), CAT, business_date=DAY), {}),
        (draft_case(make_form(item_code="FL015", amount=None, materials=FL015_ALL, notes="第一行\r\n第二行"), CAT), {}),
        (
            draft_case(
                make_form(
                    applicant_kind="org",
                    name="瑶里茶叶店",
                    credit_code=ORG_CODE,
                    mobile="",
                    details={"paid_mobile": "13307981234"},
                ),
                CAT,
            ),
            {},
        ),
        (
            draft_amend(
                case_id,
                fl015,
                CAT,
                changes={"materials": FL015_ALL, "mode": "home"},
                pii_changes={"mobile": "13900139000"},
            ),
            {"item": fl015},
        ),
        (draft_void(case_id, " 重复登记 "), {}),
        (draft_complete(case_id), {}),
        (draft_materials_sent(case_id, mailing_id), {}),
        (draft_materials_sent(case_id), {}),
        (draft_mailing(make_mailing(), business_date=DAY), {}),
        (
            draft_mailing(
                make_mailing(
                    direction="to_citizen",
                    unit_code="",
                    recipient_name="王秀英",
                    recipient_address="浮梁县瑶里镇瑶里村 12 号",
                    case_ids=[],
                )
            ),
            {},
        ),
        (draft_dispatch(mailing_id, "ea123456785cn"), {}),
        (draft_delivered(mailing_id), {}),
        (draft_consult(CAT, "开店办执照要带什么？\r\n房子是租的。", item_code="FL015", phone="139 7981 2345"), {}),
        (draft_consult(CAT, "低保什么时候发放？"), {}),
    ]


@pytest.mark.parametrize("index", range(len(every_kind_of_draft())))
def test_rechecking_any_draft_gives_back_the_same_body_and_pii(index: int) -> None:
    draft, kwargs = every_kind_of_draft()[index]
    assert recheck(draft, **kwargs) == (dict(draft.body), dict(draft.pii))


def test_county_authored_status_and_the_day_close_are_fixed_points_too() -> None:
    status = {"case_id": new_id(), "status": "returned", "note": "缺少经营场所使用证明，请补交。"}
    assert check_event(EventType.CASE_STATUS_CHANGED, status, {}, CAT) == (status, {})
    day = {
        "business_date": "2026-11-27",
        "case_count": 12,
        "voided_count": 1,
        "mailing_count": 0,
        "amount_fen_total": 0,
        "points_estimate": 17,
        "unsynced_before_close": 3,
    }
    assert check_event(EventType.DAY_CLOSED, day, {}, CAT) == (day, {})


def test_unknown_keys_in_the_body_or_the_personal_fields_are_refused() -> None:
    body, pii = recorded(service_fee=500)
    errors = refused(check_event, EventType.CASE_RECORDED, body, {**pii, "address": "瑶里村"}, CAT)
    assert set(errors) == {"service_fee", "address"}
    body, pii = recorded()
    person_with_code = refused(check_event, EventType.CASE_RECORDED, body, {**pii, "credit_code": ORG_CODE}, CAT)
    assert set(person_with_code) == {"credit_code"}
    assert set(refused(check_event, EventType.CASE_COMPLETED, {"case_id": new_id()}, {"name": "王"}, CAT)) == {"name"}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("amount_fen", 1250.0),
        ("amount_fen", True),
        ("amount_fen", "12.50"),
        ("points", True),
        ("points", 1.0),
        ("consent", 1),
        ("consent", "true"),
        ("flow", "online"),
        ("points", 2),
        ("catalogue_version", "2023.9"),
        ("case_id", "ABCDEF" * 5 + "00"),
        ("case_id", None),
        ("business_date", "2026-2-3"),
        ("business_date", "2026-02-30"),
        ("business_date", "2019-12-31"),
        ("business_date", 20261127),
        ("receipt_no", "0427-261127-1015-6"),
        ("receipt_no", 427),
        ("materials", {"id_card": "received"}),
        ("materials", [{"code": "account", "status": "received", "extra": 1}]),
        ("village", ["瑶里村"]),
        ("form_seconds", -1),
        ("form_seconds", 12.5),
        ("form_seconds", True),
        ("form_seconds", "30"),
        ("form_seconds", 86_401),
    ],
)
def test_the_county_refuses_a_pushed_body_with_a_bad_value(key: str, value: Any) -> None:
    body, pii = recorded(**{key: value})
    assert set(refused(check_event, EventType.CASE_RECORDED, body, pii, CAT)) == {key}


def test_how_long_the_form_was_open_is_optional_and_kept_when_sent() -> None:
    """填表用时 (newer counters): a body without it is what older counters send, and is accepted unchanged."""
    body, pii = recorded()
    assert "form_seconds" not in body and check_event(EventType.CASE_RECORDED, body, pii, CAT)[0] == body
    timed = {**body, "form_seconds": 45}
    assert check_event(EventType.CASE_RECORDED, timed, pii, CAT)[0]["form_seconds"] == 45


def test_a_receipt_number_is_normalised_when_the_store_has_assigned_one() -> None:
    number = format_receipt_no("0427", DAY, 1, 15)
    typed = number.replace("-", " ").translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert check_event(EventType.CASE_RECORDED, *recorded(receipt_no=typed), CAT)[0]["receipt_no"] == number


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
BODY_KEYS = [
    "case_id",
    "mailing_id",
    "changes",
    "materials",
    "amount_fen",
    "status",
    "note",
    "pieces",
    "case_ids",
    "business_date",
    "direction",
    "unit_code",
    "tracking_no",
    "reason",
    "consent",
    "item_code",
    "mode",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(list(EventType)),
    st.dictionaries(st.sampled_from(BODY_KEYS) | st.text(max_size=5), JSON),
    st.dictionaries(st.sampled_from(["name", "id_number", "mobile", "recipient_name"]), JSON) | JSON,
)
def test_any_pushed_body_is_either_accepted_or_refused_with_chinese_messages(
    event_type: EventType, body: dict, pii: Any
) -> None:
    try:
        check_event(event_type, body, pii, CAT, item=CAT.by_code("FL006"))
    except FormErrors as exc:
        assert all(CJK.search(message) for message in exc.errors.values())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([d for d, _ in every_kind_of_draft()]), st.data())
def test_a_valid_push_with_any_values_swapped_in_is_either_accepted_or_refused_in_chinese(
    draft: EventDraft, data: st.DataObject
) -> None:
    body, pii = dict(draft.body), dict(draft.pii)
    for mapping in (body, pii):
        for key in data.draw(st.lists(st.sampled_from(sorted(mapping)), max_size=3)) if mapping else []:
            mapping[key] = data.draw(JSON)
    try:
        check_event(draft.type, body, pii, CAT, item=CAT.by_code("FL015"))
    except FormErrors as exc:
        assert all(CJK.search(message) for message in exc.errors.values())


# ---- amendments, voids and county statuses -----------------------------------------------------


def test_an_amendment_with_nothing_changed_is_refused() -> None:
    item = CAT.by_code("FL001")
    assert set(refused(draft_amend, new_id(), item, CAT, changes={}, pii_changes={})) == {"changes"}
    assert set(refused(draft_amend, new_id(), item, CAT, changes={}, pii_changes={"mobile": " "})) == {"changes"}


def test_an_amendment_checks_each_change_against_the_cases_item() -> None:
    payment, approval = CAT.by_code("FL001"), CAT.by_code("FL015")
    assert draft_amend(new_id(), payment, CAT, changes={"amount_fen": "20"}, pii_changes={}).body["changes"] == {
        "amount_fen": 2000
    }
    assert (
        "不登记金额"
        in refused(draft_amend, new_id(), approval, CAT, changes={"amount_fen": 100}, pii_changes={})["amount_fen"]
    )
    assert (
        "经营场所"
        in refused(draft_amend, new_id(), approval, CAT, changes={"materials": WITHOUT_PREMISES}, pii_changes={})[
            "materials"
        ]
    )
    assert set(refused(draft_amend, new_id(), payment, CAT, changes={"item_code": "FL002"}, pii_changes={})) == {
        "item_code"
    }


def test_an_amendment_of_personal_fields_alone_is_accepted_and_follows_the_applicant_kind() -> None:
    item = CAT.by_code("FL001")
    draft = draft_amend(new_id(), item, CAT, changes={}, pii_changes={"id_number": PERSON_ID.lower()})
    assert (dict(draft.body["changes"]), dict(draft.pii)) == ({}, {"id_number": PERSON_ID})
    errors = refused(
        draft_amend, new_id(), item, CAT, changes={}, pii_changes={"name": "瑶里3号店"}, applicant_kind="person"
    )
    assert "数字" in errors["name"]
    with pytest.raises(TypeError):
        check_event(EventType.CASE_AMENDED, draft.body, draft.pii, CAT)


def test_a_void_needs_a_one_line_reason_of_at_most_200_characters() -> None:
    assert "请填写作废原因" in refused(draft_void, new_id(), "  ")["reason"]
    assert "一行" in refused(draft_void, new_id(), "重复\n登记")["reason"]
    assert "最多 200" in refused(draft_void, new_id(), "错" * 201)["reason"]
    assert set(refused(draft_void, "not-an-id", "重复登记")) == {"case_id"}


def test_a_returned_status_without_a_note_is_refused_because_the_citizen_must_be_told_why() -> None:
    case_id = new_id()
    errors = refused(
        check_event, EventType.CASE_STATUS_CHANGED, {"case_id": case_id, "status": "returned", "note": " "}, {}, CAT
    )
    assert set(errors) == {"note"} and "退回原因" in errors["note"]
    accepted = {"case_id": case_id, "status": "accepted", "note": ""}
    assert check_event(EventType.CASE_STATUS_CHANGED, accepted, {}, CAT)[0] == accepted
    for status in ("voided", "recorded", "done", None):
        assert set(refused(check_event, EventType.CASE_STATUS_CHANGED, {**accepted, "status": status}, {}, CAT)) == {
            "status"
        }


# ---- mailings and tracking numbers -------------------------------------------------------------


def test_a_mailing_to_a_department_needs_a_unit_from_the_list() -> None:
    assert draft_mailing(make_mailing()).body["unit_code"] == "scjg"
    assert "请选择收件部门" in refused(draft_mailing, make_mailing(unit_code=""))["unit_code"]
    assert "没有这个部门" in refused(draft_mailing, make_mailing(unit_code="nasa"))["unit_code"]


def test_a_mailing_to_a_citizen_needs_the_recipient_and_address_and_no_unit() -> None:
    errors = refused(draft_mailing, make_mailing(direction="to_citizen"))
    assert set(errors) == {"unit_code", "recipient_name", "recipient_address"}
    form = make_mailing(
        direction="to_citizen",
        unit_code="",
        recipient_name="浮梁县瑶里茶叶店",
        recipient_mobile="13800138000",
        recipient_address="瑶里村",
    )
    draft = draft_mailing(form)
    assert draft.body["unit_code"] is None and draft.pii["recipient_mobile"] == "13800138000"


@pytest.mark.parametrize(("typed", "pieces"), [("3", 3), ("３", 3), (" 99 ", 99), (1, 1), ("007", 7)])
def test_pieces_accept_typed_digits(typed: Any, pieces: int) -> None:
    assert draft_mailing(make_mailing(pieces=typed)).body["pieces"] == pieces


@pytest.mark.parametrize("typed", ["0", "100", 2.0, True, "2.5", "", "二", -1, 10**30, "9" * 5000])
def test_pieces_out_of_range_or_not_whole_are_refused(typed: Any) -> None:
    assert set(refused(draft_mailing, make_mailing(pieces=typed))) == {"pieces"}


def test_the_case_list_of_a_mailing_has_no_duplicates_and_at_most_50_cases() -> None:
    case_id = new_id()
    assert "两次" in refused(draft_mailing, make_mailing(case_ids=[case_id, case_id]))["case_ids"]
    assert "最多" in refused(draft_mailing, make_mailing(case_ids=[new_id() for _ in range(51)]))["case_ids"]
    assert set(refused(draft_mailing, make_mailing(contents="", case_ids=["x"]))) == {"contents", "case_ids"}


def test_a_valid_s10_tracking_number_passes() -> None:
    # EA 12345678 5 CN: 1×8 + 2×6 + 3×4 + 4×2 + 5×3 + 6×5 + 7×9 + 8×7 = 204; 204 mod 11 = 6; 11 − 6 = 5.
    assert normalize_tracking_no("EA123456785CN") == "EA123456785CN"
    # RR 00000008 0 CN: 8×7 = 56; 56 mod 11 = 1; 11 − 1 = 10, written 0.
    # RR 00000000 5 CN: sum 0; 11 − 0 = 11, written 5.
    assert normalize_tracking_no("RR000000080CN") == "RR000000080CN"
    assert normalize_tracking_no("RR000000005CN") == "RR000000005CN"


def test_scanner_input_with_full_width_letters_and_a_trailing_newline_is_normalised() -> None:
    assert normalize_tracking_no("ｅａ１２３４５６７８５ｃｎ\r\n") == "EA123456785CN"
    assert normalize_tracking_no(" 9876 5432 1012\n") == "987654321012"


def test_a_bad_check_digit_and_a_bad_format_get_different_messages() -> None:
    with pytest.raises(ValidationError) as check_digit:
        normalize_tracking_no("EA123456784CN")
    with pytest.raises(ValidationError) as bad_format:
        normalize_tracking_no("EA12345678CN")
    assert "校验位" in check_digit.value.message and "格式" in bad_format.value.message
    assert check_digit.value.message != bad_format.value.message


@pytest.mark.parametrize("raw", ["123456789", "1" * 21, "E1234567855CN", "EA123456785C", "", "EA-123456785CN"])
def test_tracking_numbers_of_the_wrong_shape_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_tracking_no(raw)
    assert caught.value.field == "tracking_no" and CJK.search(caught.value.message)


def test_domestic_tracking_numbers_of_10_to_20_digits_pass_and_dispatch_stores_them_normalised() -> None:
    assert normalize_tracking_no("1" * 10) == "1" * 10 and normalize_tracking_no("2" * 20) == "2" * 20
    assert draft_dispatch(new_id(), "ｅａ１２３４５６７８５ｃｎ\n").body["tracking_no"] == "EA123456785CN"
    assert "校验位" in refused(draft_dispatch, new_id(), "EA123456784CN")["tracking_no"]


def test_day_close_counts_are_non_negative_integers_never_floats_or_bools() -> None:
    day = {
        "business_date": "2026-11-27",
        "case_count": 1,
        "voided_count": 0,
        "mailing_count": 0,
        "amount_fen_total": 0,
        "points_estimate": 1,
        "unsynced_before_close": 0,
    }
    for key, bad in [
        ("case_count", -1),
        ("voided_count", 1.0),
        ("mailing_count", True),
        ("points_estimate", "1"),
        ("amount_fen_total", 2**64),
        ("unsynced_before_close", None),
    ]:
        assert set(refused(check_event, EventType.DAY_CLOSED, {**day, key: bad}, {}, CAT)) == {key}
