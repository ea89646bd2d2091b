"""Item-specific fields: declared in the catalogue, defaulted, checked by the shared rules, personal ones in pii."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

import resources
from sync.ledger.catalogue import CatalogueError, load_catalogue, load_units, parse_catalogue
from sync.ledger.forms import CaseForm, FormErrors, check_event, draft_case
from sync.ledger.item_fields import choice_by_prefix, lines
from sync.ledger.kinds import EventType
from tests.factories import resident_id

NEW, OLD = load_catalogue("2024.2"), load_catalogue("2024.1")
DAY = date(2026, 11, 27)
PERSON_ID = "360222195003150017"


def form(item_code: str = "FL001", **overrides: Any) -> CaseForm:
    fields: dict[str, Any] = dict(
        item_code=item_code, mode="point", name="王秀英", id_number=PERSON_ID, mobile="13979812345", amount="50"
    )
    fields.update(consent=True, **overrides)
    return CaseForm(**fields)


def errors(*args: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(FormErrors) as caught:
        draft_case(*args, **kwargs)
    return caught.value.errors


def test_a_phone_top_up_costs_no_keys_the_number_and_operator_follow_from_the_applicant() -> None:
    draft = draft_case(form(), NEW, business_date=DAY)
    assert draft.body["details"] == {"operator": "yd"}
    assert draft.pii["paid_mobile"] == "13979812345"
    assert "paid_mobile" not in draft.body and "paid_mobile" not in draft.body["details"]


@pytest.mark.parametrize(
    ("number", "operator"),
    [("13307981234", "dx"), ("13487981234", "yd"), ("13497981234", "dx"), ("18607981234", "lt")]
    + [("19207981234", "gd"), ("17057981234", "yd"), ("17017981234", "dx"), ("17097981234", "lt")],
)
def test_the_operator_follows_from_the_numbers_prefix(number: str, operator: str) -> None:
    field = NEW.by_code("FL001").fields[1]
    assert choice_by_prefix(field, number) == operator
    draft = draft_case(form(details={"paid_mobile": number}), NEW, business_date=DAY)
    assert draft.body["details"]["operator"] == operator


def test_a_number_ported_to_another_operator_keeps_the_operator_chosen() -> None:
    draft = draft_case(form(details={"operator": "dx"}), NEW, business_date=DAY)
    assert draft.body["details"] == {"operator": "dx"} and draft.pii["paid_mobile"] == "13979812345"


def test_without_any_number_the_agent_is_asked_for_the_number_paid_for() -> None:
    assert errors(form(mobile=""), NEW, business_date=DAY) == {"paid_mobile": "请填写充值号码。"}


def test_a_wrong_applicant_mobile_is_reported_once_not_again_for_the_fields_it_fills() -> None:
    assert set(errors(form(mobile="1380013800"), NEW, business_date=DAY)) == {"mobile"}


@pytest.mark.parametrize(
    ("code", "details", "key", "expected"),
    [
        ("FL002", {}, "account_no", "请填写用水户号"),
        ("FL003", {"account_no": "12"}, "account_no", "用电户号应为 4 到 30 位"),
        ("FL004", {"account_no": "12#45"}, "account_no", "只能有数字和字母"),
        ("FL012", {"card_tail": "6222021234"}, "card_tail", "只填卡号最后四位"),
        ("FL005", {"period": "26"}, "period", "4 位年份"),
        ("FL006", {"insured_id": "360222195003150018"}, "insured_id", "校验"),
        ("FL001", {"operator": "xx"}, "operator", "中国移动、中国联通、中国电信、中国广电"),
    ],
)
def test_bad_item_values_are_refused_in_chinese_under_their_own_key(
    code: str, details: dict, key: str, expected: str
) -> None:
    found = errors(form(code, details=details), NEW, business_date=DAY)
    assert set(found) == {key} and expected in found[key]


def test_values_are_normalised_and_personal_ones_kept_out_of_the_body() -> None:
    water = draft_case(form("FL002", details={"account_no": " 36-0222 0417 "}), NEW, business_date=DAY)
    assert water.pii["account_no"] == "3602220417" and "details" not in water.body
    cash = draft_case(form("FL012", details={"card_tail": "１２３４"}), NEW, business_date=DAY)
    assert cash.body["details"] == {"card_tail": "1234"}
    insurance = draft_case(
        form("FL006", details={"insured_name": "王小明", "insured_id": resident_id(birth=date(2010, 3, 15))}),
        NEW,
        business_date=DAY,
    )
    assert insurance.body["details"] == {"period": "2026"}
    assert insurance.pii["insured_name"] == "王小明" and "insured_name" not in str(insurance.body)


def test_medical_insurance_is_paid_from_september_for_the_next_year() -> None:
    assert draft_case(form("FL005"), NEW, business_date=DAY).body["details"] == {"period": "2027"}
    assert draft_case(form("FL005"), NEW, business_date=date(2026, 3, 2)).body["details"] == {"period": "2026"}
    assert draft_case(form("FL006"), NEW, business_date=DAY).body["details"] == {"period": "2026"}


def test_the_county_rechecks_the_same_rules_and_gets_the_same_event() -> None:
    for code, details in (("FL001", {}), ("FL002", {"account_no": "3602220417"}), ("FL012", {"card_tail": "0042"})):
        draft = draft_case(form(code, details=details), NEW, business_date=DAY)
        assert check_event(EventType.CASE_RECORDED, draft.body, draft.pii, NEW) == (draft.body, dict(draft.pii))


def test_the_county_refuses_a_tampered_detail_or_an_unknown_one() -> None:
    draft = draft_case(form(), NEW, business_date=DAY)
    for details in ({"operator": "zz"}, {"operator": "yd", "extra": "1"}, "yd"):
        with pytest.raises(FormErrors):
            check_event(EventType.CASE_RECORDED, {**draft.body, "details": details}, draft.pii, NEW)
    with pytest.raises(FormErrors) as caught:
        check_event(EventType.CASE_RECORDED, draft.body, {**draft.pii, "paid_mobile": "123"}, NEW)
    assert set(caught.value.errors) == {"paid_mobile"}


def test_cases_under_the_old_catalogue_still_record_and_check_without_any_details() -> None:
    old = draft_case(form(mobile=""), OLD, business_date=DAY)
    assert "details" not in old.body and set(old.pii) == {"name", "id_number"}
    assert check_event(EventType.CASE_RECORDED, old.body, old.pii, OLD) == (old.body, dict(old.pii))
    with pytest.raises(FormErrors, match="没有专属信息"):
        check_event(EventType.CASE_RECORDED, {**old.body, "details": {"operator": "yd"}}, old.pii, OLD)


def test_the_ledger_and_paper_show_personal_values_masked_and_choices_by_name() -> None:
    item = NEW.by_code("FL001")
    shown = lines(item.fields, {"operator": "lt"}, {"paid_mobile": "18607981234"})
    assert shown == [("充值号码", "186****1234"), ("运营商", "中国联通")]
    assert lines(item.fields, {"operator": "lt"}, {"paid_mobile": "18607981234"}, masked=False)[0][1] == "18607981234"


def _data() -> dict:
    return copy.deepcopy(resources.read_json("catalogue", "2024.2", "catalogue.json"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: f[0].update(personal=False), "必须为 true"),
        (lambda f: f[0].update(code="mobile"), "已用于申请人信息"),
        (lambda f: f[0].update(kind="phone"), "类型（kind）只能是"),
        (lambda f: f[1].update(default="prefix_of.nothing"), "按号段选默认值"),
        (lambda f: f[1]["choices"][0].update(unit_code="nope"), "不在单位名单"),
        (lambda f: f[1]["choices"][0].update(prefixes=["13a"]), "号段"),
        (lambda f: f[0].update(default="tomorrow"), "默认值（default）只能是"),
    ],
)
def test_a_catalogue_with_bad_field_declarations_is_refused_saying_where(change: Any, expected: str) -> None:
    data = _data()
    change(data["items"][0]["fields"])
    with pytest.raises(CatalogueError, match=expected) as caught:
        parse_catalogue(data, load_units())
    assert "FL001 缴纳话费" in str(caught.value)


def test_fields_need_the_new_catalogue_format() -> None:
    data = _data()
    data["format"] = 1
    with pytest.raises(CatalogueError, match="format"):
        parse_catalogue(data, load_units())
