"""Realistic, seeded counter workloads: case forms of every kind, and a store's history day by day."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import partial

from sync.ledger.catalogue import Catalogue, Item
from sync.ledger.events import CHINA_TZ, EventDraft, format_time
from sync.ledger.forms import (
    CaseForm,
    MailingForm,
    draft_case,
    draft_complete,
    draft_delivered,
    draft_dispatch,
    draft_mailing,
    draft_materials_sent,
    draft_void,
    s10_check_digit,
)
from sync.ledger.forms_mailing import MAX_CASES_PER_MAILING
from sync.ledger.ids import CREDIT_CODE_ALPHABET, credit_code_check_char, resident_id_check_char
from sync.ledger.item_fields import example_values
from sync.ledger.kinds import Flow

# Relative frequency of the 20 first-batch items at a village point: bills dominate, approvals are rare.
ITEM_WEIGHTS = {
    "FL001": 20,
    "FL002": 9,
    "FL003": 15,
    "FL004": 3,
    "FL005": 12,
    "FL006": 8,
    "FL007": 2,
    "FL008": 2,
    "FL009": 3,
    "FL010": 2,
    "FL011": 6,
    "FL012": 5,
    "FL013": 1,
    "FL014": 4,
    "FL015": 2,
    "FL016": 1,
    "FL017": 1,
    "FL018": 1,
    "FL019": 1.5,
    "FL020": 1.5,
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡程汪余方江洪冯詹吕郑叶"
GIVEN = ["秀英", "桂兰", "建国", "金水", "春花", "国庆", "水生", "细妹", "福根", "玉珍", "长发", "红梅", "小军", "志强"]
RARE = ["𠮷", "𪚥", "㐀", "𰻞", "𡒄", "𤆬", "䶮", "𨰻"]  # CJK Ext A/B/G: must survive byte for byte
MINORITY = ["买买提·艾力", "阿卜杜·热合曼", "娜仁·其其格"]
VILLAGES = [
    "瑶里村",
    "绕南村",
    "东埠村",
    "严台村",
    "江村村",
    "勒功村",
    "寿安村",
    "西湖村",
    "经公桥村",
    "鹅湖村",
    "蛟潭村",
    "兴田村",
    "峙滩村",
    "湘湖村",
    "洪源村",
    "庄湾村",
    "王港村",
    "黄坛村",
    "储田村",
    "三龙村",
]
ORG_NAMES = [
    "浮梁县{v}茶叶专业合作社",
    "{v}股份经济合作社",
    "浮梁县{v}{s}记小卖部",
    "浮梁县{v}农家乐（个体工商户）",
    "景德镇{s}氏陶瓷工作室",
    "浮梁县{v}便利店",
]
NOTES = [
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "群众腿脚不便，上门办理。",
    "代缴后已告知短信通知。",
    "材料已当面核对。",
    "老人不识字，已读给本人听。",
]
AMOUNTS = ["20", "30", "50", "50", "100", "100", "120.5", "200", "35.80", "66"]
REGIONS = ["360222", "360222", "360222", "360221", "360203", "360281", "362201"]
VOID_REASONS = ["录错了事项", "群众取消办理", "重复登记", "金额录错，重新登记"]


def resident_id(rng: random.Random) -> str:
    birth = date(rng.randint(1930, 2008), rng.randint(1, 12), rng.randint(1, 28))
    body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + resident_id_check_char(body)


def credit_code(rng: random.Random) -> str:
    head = rng.choice(["92", "92", "91", "N1", "N2"])  # 个体工商户, enterprise, village collective, co-op
    body = head + "360222" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_char(body)


def mobile(rng: random.Random) -> str:
    return f"{rng.choice(('135', '139', '158', '187', '130', '186', '133', '189'))}{rng.randint(0, 99_999_999):08d}"


def person_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.06:
        return rng.choice(SURNAMES) + rng.choice(RARE) + rng.choice(["生", "英", "", "华"])
    if roll < 0.07:
        return rng.choice(MINORITY)
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _materials(item: Item, rng: random.Random) -> dict[str, str]:
    out = {}
    for material in item.guide.materials:
        if material.required and item.flow is Flow.APPROVAL:
            out[material.code] = "missing" if rng.random() < 0.08 else "received"
        elif rng.random() < (0.9 if material.required else 0.4):
            out[material.code] = "received"
    return out


def case_form(catalogue: Catalogue, rng: random.Random) -> CaseForm:
    """One case as an agent would type it: weighted item, person or org, materials, amount, notes."""
    code = rng.choices(list(ITEM_WEIGHTS), weights=list(ITEM_WEIGHTS.values()))[0]
    item = catalogue.by_code(code)
    org_share = 0.5 if item.flow is Flow.APPROVAL and code != "FL015" else 0.04
    village = rng.choice(VILLAGES)
    form = CaseForm(
        item_code=code,
        mode=rng.choices(["point", "home", "activity_day"], weights=[75, 15, 10])[0],
        village=village,
        materials=_materials(item, rng),
        amount=rng.choice(AMOUNTS) if item.takes_amount else None,
        notes=rng.choice(NOTES),
        mobile=mobile(rng) if rng.random() < 0.7 else "",
        consent=True,
    )
    if rng.random() < org_share:
        form.applicant_kind = "org"
        form.name = rng.choice(ORG_NAMES).format(v=village.removesuffix("村"), s=rng.choice(SURNAMES))
        form.credit_code = credit_code(rng)
    else:
        form.name, form.id_number = person_name(rng), resident_id(rng)
    form.details = example_values(item.fields, rng, applicant_mobile=form.mobile)
    return form


def business_days(end: date, count: int) -> list[date]:
    """``count`` shop days (Monday to Saturday) ending the day before ``end``."""
    days, day = [], end
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() != 6:
            days.append(day)
    return days[::-1]


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % parts] += 1
    return counts


def _tracking_no(rng: random.Random) -> str:
    serial = f"{rng.randint(0, 99_999_999):08d}"
    return f"E{rng.choice('ABCM')}{serial}{s10_check_digit(serial)}CN"


Later = Callable[[date], EventDraft]  # an event due on a later business day, drafted on that day


class _Clock:
    """Ascending event times through one business day, 08:30 to 18:30."""

    def __init__(self, day: date, events: int):
        self.at = datetime.combine(day, time(8, 30), CHINA_TZ)
        self.step = timedelta(seconds=36_000 / max(events, 1))

    def tick(self) -> str:
        self.at += self.step
        return format_time(self.at)


def history(catalogue: Catalogue, cases: int, days: list[date], rng: random.Random) -> Iterator[list[EventDraft]]:
    """Each business day's events in order: cases, completions (~15% of cases), voids, approval mailings."""
    later: dict[int, list[Later]] = defaultdict(list)
    for index, (day, count) in enumerate(zip(days, _spread(cases, len(days), rng), strict=True)):
        due = later.pop(index, [])
        clock = _Clock(day, int(count * 1.35) + len(due))
        drafts = [replace(make(day), occurred_at=clock.tick()) for make in due]
        by_unit: dict[str, list[str]] = defaultdict(list)
        for _ in range(count):
            form = case_form(catalogue, rng)
            draft = draft_case(form, catalogue, business_date=day, occurred_at=clock.tick())
            drafts.append(draft)
            case_id, flow = draft.body["case_id"], draft.body["flow"]
            roll = rng.random()
            if flow == Flow.APPROVAL:
                by_unit[catalogue.by_code(form.item_code).guide.unit_codes[0]].append(case_id)
            elif roll < 0.012:
                drafts.append(replace(draft_void(case_id, rng.choice(VOID_REASONS)), occurred_at=clock.tick()))
            elif roll < 0.175 and flow == Flow.PAYMENT:
                drafts.append(replace(draft_complete(case_id), occurred_at=clock.tick()))
            elif roll < 0.175:
                later[index + rng.randint(1, 5)].append(partial(_complete, case_id))
        for unit, case_ids in by_unit.items():
            drafts.extend(_mailings(unit, case_ids, clock, rng, later, index))
        yield drafts


def _mailings(
    unit: str, case_ids: list[str], clock: _Clock, rng: random.Random, later: dict[int, list[Later]], index: int
) -> list[EventDraft]:
    """The day's approval materials go to the department by free mailing (免费寄递); licences come back later."""
    out: list[EventDraft] = []
    for start in range(0, len(case_ids), MAX_CASES_PER_MAILING):
        batch = case_ids[start : start + MAX_CASES_PER_MAILING]
        form = MailingForm(
            direction="to_department", unit_code=unit, contents="审批申请材料", pieces=len(batch), case_ids=batch
        )
        mailing = replace(draft_mailing(form, business_date=clock.at.date()), occurred_at=clock.tick())
        mailing_id = mailing.body["mailing_id"]
        out.append(mailing)
        out += [replace(draft_materials_sent(c, mailing_id), occurred_at=clock.tick()) for c in batch]
        out.append(replace(draft_dispatch(mailing_id, _tracking_no(rng)), occurred_at=clock.tick()))
        later[index + 2].append(partial(_delivered, mailing_id))
    for case_id in case_ids:
        if rng.random() < 0.3:  # the licence or approval is mailed back to the applicant
            back = MailingForm(
                direction="to_citizen",
                contents="营业执照（正本）",
                pieces=1,
                case_ids=[case_id],
                recipient_name=person_name(rng),
                recipient_mobile=mobile(rng),
                recipient_address=f"浮梁县{rng.choice(VILLAGES)}{rng.randint(1, 99)}号",
            )
            later[index + rng.randint(8, 15)].append(partial(_mailing, back))
    return out


def _complete(case_id: str, day: date) -> EventDraft:
    return draft_complete(case_id)


def _delivered(mailing_id: str, day: date) -> EventDraft:
    return draft_delivered(mailing_id)


def _mailing(form: MailingForm, day: date) -> EventDraft:
    return draft_mailing(form, business_date=day)


def chunks(drafts: list[EventDraft], size: int) -> Iterator[list[EventDraft]]:
    for start in range(0, len(drafts), size):
        yield drafts[start : start + size]
