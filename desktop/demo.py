"""The training ledger (培训模式): sample records for the practice point, and the command-line demo day.

``suishenban --training`` opens the counter window on a practice store seeded here (a week of
realistic history and today's practice day). ``suishenban --training demo`` does the same work from the
command line — one case of each kind, a mailing of approval materials, the day close with its backup —
and prints what the agent would see (numbers masked as on screen and paper).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from desktop.services.summary import missing_materials, month_points
from desktop.store.keys import WrongSecret
from desktop.store.ledger import Identity, LedgerStore
from desktop.store.opening import create_store, open_store
from sync.ledger.catalogue import Catalogue, load_catalogue
from sync.ledger.events import CHINA_TZ, china_now, format_time, new_id
from sync.ledger.forms import (
    CaseForm,
    FormErrors,
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
from sync.ledger.ids import resident_id_check_char
from sync.ledger.item_fields import example_values
from sync.ledger.kinds import SERVICE_MODE_LABELS, ServiceMode
from sync.ledger.points import MONTHLY_CAP
from sync.ledger.validation import mask_name

TRAINING_PASSWORD = "peixun2026"
TRAINING_POINT = Identity(device_id="", point_code="9999", device_no=1, point_name="培训代办点（练习用）")
BANNER = "【培训模式】以下都是练习数据，不会上报县里，也不会计入真实积分。"


def _sample_id(region: str, birth: str, order: str) -> str:
    body = region + birth + order
    return body + resident_id_check_char(body)


@dataclass(frozen=True)
class DemoResult:
    receipts: list[tuple[str, str, str, str]]  # receipt no, item, citizen (masked), mode
    notice: list[str]
    tracking_no: str
    unit_name: str
    points_credited: int
    unsynced: int
    backup_name: str
    chain_seq: int


def open_training_store(folder: Path) -> tuple[LedgerStore, bool]:
    if (folder / "keyring.json").exists():
        store, _report = open_store(folder, TRAINING_PASSWORD)
        return store, False
    identity = Identity(new_id(), TRAINING_POINT.point_code, TRAINING_POINT.device_no, TRAINING_POINT.point_name)
    store, _recovery_code = create_store(folder, TRAINING_PASSWORD, identity)
    return store, True


def record_practice_day(store: LedgerStore, catalogue: Catalogue, today: date, *, close: bool = True) -> DemoResult:
    people = [
        ("王秀英", _sample_id("360222", "19520317", "042"), "13979812345"),
        ("𠮷田春花", _sample_id("360221", "19480605", "128"), "13607981234"),  # an Extension B surname
        ("程建国", _sample_id("360222", "19750921", "311"), "15179856789"),
    ]
    receipts = []

    def record(form: CaseForm):
        (ev,) = store.append(draft_case(form, catalogue, business_date=today))
        item = catalogue.by_code(form.item_code)
        receipts.append(
            (ev.body["receipt_no"], item.name, mask_name(form.name), SERVICE_MODE_LABELS[ServiceMode(form.mode)])
        )
        return ev

    name, id_number, mobile = people[0]
    power = record(
        CaseForm(
            "FL003",
            "point",
            name=name,
            id_number=id_number,
            mobile=mobile,
            village="瑶里村",
            amount="86.50",
            consent=True,
            details={"account_no": "3602220417"},
        )
    )
    store.append(draft_complete(power.body["case_id"]))

    name, id_number, mobile = people[1]
    card = record(
        CaseForm(
            "FL011",
            "home",
            name=name,
            id_number=id_number,
            mobile=mobile,
            village="瑶里村",
            notes="上户帮老人激活医保电子凭证",
            consent=True,
        )
    )
    store.append(draft_complete(card.body["case_id"]))

    name, id_number, mobile = people[2]
    licence = catalogue.by_code("FL015")
    required = [m for m in licence.guide.materials if m.required]
    materials = {m.code: "received" for m in licence.guide.materials}
    materials[required[-1].code] = "missing"
    shop = record(
        CaseForm(
            "FL015",
            "activity_day",
            name=name,
            id_number=id_number,
            mobile=mobile,
            village="东埠村",
            materials=materials,
            notes="开办农家乐",
            consent=True,
        )
    )
    notice = missing_materials(store, catalogue, shop.body["case_id"])

    unit = licence.guide.unit_codes[0]
    (mail,) = store.append(
        draft_mailing(
            MailingForm(
                "to_department",
                unit_code=unit,
                contents="个体工商户设立登记申请材料",
                pieces=1,
                case_ids=[shop.body["case_id"]],
            ),
            business_date=today,
        )
    )
    store.append(draft_materials_sent(shop.body["case_id"], mail.body["mailing_id"]))
    tracking_no = "1180956234017"
    store.append(draft_dispatch(mail.body["mailing_id"], tracking_no))

    backup_name = store.close_day(today)[1].path.name if close else ""
    points = month_points(store, china_now())
    counts = store.outbox_counts()
    unit_name = catalogue.units_of(licence)[0].name
    return DemoResult(
        receipts,
        notice,
        tracking_no,
        unit_name,
        points.credited,
        counts.get("pending", 0),
        backup_name,
        store.verify().seq,
    )


_NAMES = [
    "李桂兰",
    "张金水",
    "刘细妹",
    "陈福根",
    "杨玉珍",
    "黄长发",
    "赵红梅",
    "吴水生",
    "周国庆",
    "徐春梅",
    "朱䶮",
    "胡志强",
    "汪秀珍",
    "余冬生",
    "方𠮷祥",
    "江来娣",
]
_VILLAGES = ["瑶里村", "绕南村", "东埠村", "严台村", "江村村", "寿安村", "西湖村", "鹅湖村"]
_WEIGHTS = {
    "FL001": 9,
    "FL002": 4,
    "FL003": 7,
    "FL004": 2,
    "FL005": 5,
    "FL006": 3,
    "FL009": 2,
    "FL011": 3,
    "FL012": 2,
    "FL014": 2,
    "FL015": 1,
    "FL019": 1,
}
_AMOUNTS = ["30", "50", "50", "100", "86.50", "120", "200", "35.80", "380"]


def _practice_case(catalogue: Catalogue, rng: random.Random, day: date) -> CaseForm:
    code = rng.choices(list(_WEIGHTS), weights=list(_WEIGHTS.values()))[0]
    item = catalogue.by_code(code)
    birth = f"{rng.randint(1938, 1995)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    materials = {m.code: "received" for m in item.guide.materials if m.required or rng.random() < 0.5}
    if item.is_approval and rng.random() < 0.4:
        materials[next(m.code for m in item.guide.materials if m.required)] = "missing"
    mobile = (
        f"{rng.choice(('135', '139', '158', '187', '130', '186', '133', '189'))}{rng.randint(0, 99_999_999):08d}"
        if rng.random() < 0.8
        else ""
    )
    return CaseForm(
        code,
        rng.choices(["point", "home", "activity_day"], weights=[7, 2, 1])[0],
        name=rng.choice(_NAMES),
        id_number=_sample_id(rng.choice(["360222", "360221"]), birth, f"{rng.randint(0, 999):03d}"),
        mobile=mobile,
        village=rng.choice(_VILLAGES),
        materials=materials,
        amount=rng.choice(_AMOUNTS) if item.takes_amount else None,
        consent=True,
        details=example_values(item.fields, rng, applicant_mobile=mobile),
    )


def record_history(store: LedgerStore, catalogue: Catalogue, today: date, days: int = 6, seed: int = 2026) -> int:
    """A week of earlier practice days (closed), so every screen has something real to show; returns cases."""
    rng, total, day, shop_days = random.Random(seed), 0, today, []
    while len(shop_days) < days:
        day -= timedelta(days=1)
        if day.weekday() != 6:
            shop_days.append(day)
    for day in reversed(shop_days):
        at = datetime.combine(day, time(8, 40), CHINA_TZ)

        def tick(minutes: int = 23) -> str:
            nonlocal at
            at += timedelta(minutes=minutes + rng.randint(0, 15))
            return format_time(at)

        approvals = []
        for _ in range(rng.randint(5, 9)):
            form = _practice_case(catalogue, rng, day)
            draft = draft_case(form, catalogue, business_date=day, occurred_at=tick())
            later = []
            case_id, flow = draft.body["case_id"], draft.body["flow"]
            if rng.random() < 0.05:
                later.append(draft_void(case_id, "群众取消办理"))
            elif flow == "payment" or (flow == "online" and rng.random() < 0.7):
                later.append(draft_complete(case_id))
            elif flow == "approval":
                approvals.append((case_id, form.item_code))
            store.append(draft, *(replace(d, occurred_at=tick(2)) for d in later))
            total += 1
        for case_id, code in approvals:
            item = catalogue.by_code(code)
            mail = draft_mailing(
                MailingForm(
                    "to_department",
                    unit_code=item.guide.unit_codes[0],
                    contents=f"{item.name}申请材料",
                    pieces=1,
                    case_ids=[case_id],
                ),
                business_date=day,
            )
            serial = f"{rng.randint(0, 99_999_999):08d}"
            steps = [
                mail,
                draft_materials_sent(case_id, mail.body["mailing_id"]),
                draft_dispatch(mail.body["mailing_id"], f"EA{serial}{s10_check_digit(serial)}CN"),
            ]
            if day < today - timedelta(days=2):
                steps.append(draft_delivered(mail.body["mailing_id"]))
            store.append(*(replace(d, occurred_at=tick(5)) for d in steps))
        if day < today - timedelta(days=1):
            store.close_day(day)
    return total


def seed_store(store: LedgerStore, today: date) -> None:
    """Fill a new practice ledger (offline, or enrolled with the practice county): a week, then today's cases."""
    catalogue = load_catalogue()
    record_history(store, catalogue, today)
    record_practice_day(store, catalogue, today, close=False)
    store.backup("training")


def seed_training(folder: Path, today: date) -> None:
    """A new offline practice ledger: a week of history, then today's practice day (left open for the agent to close)."""
    store, _first = open_training_store(folder)
    try:
        seed_store(store, today)
    finally:
        store.close()


def report_lines(result: DemoResult, folder: Path, first_run: bool) -> list[str]:
    lines = [
        BANNER,
        f"练习台账位置：{folder}",
        f"练习密码：{TRAINING_PASSWORD}" + ("（首次创建）" if first_run else ""),
        "",
    ]
    lines.append("今天登记的办件：")
    for number, item, citizen, mode in result.receipts:
        lines.append(f"  回执 {number}  {item}  群众 {citizen}  {mode}帮代办")
    if result.notice:
        lines.append("一次性告知：个体工商户设立登记还缺以下材料，请群众补齐：")
        lines += [f"  · {name}" for name in result.notice]
    lines.append(f"寄递：申请材料已交寄{result.unit_name}，运单号 {result.tracking_no}")
    lines.append(f"本月积分（估算）：{result.points_credited} / {MONTHLY_CAP}")
    lines.append(f"待同步记录：{result.unsynced} 条（培训模式不连县里）")
    lines.append(f"日结完成，已自动备份：{result.backup_name}")
    lines.append(f"台账校验通过：共 {result.chain_seq} 条记录，哈希链完整。")
    return lines


def run(folder: Path, echo: Callable[[str], None] = print) -> DemoResult | None:
    """The demo day; None (after a plain message) when the store cannot be opened now or the PC clock is wrong."""
    from desktop.services.clock_check import clock_problem, evidence
    from desktop.store.faults import StoreUnavailable

    try:
        store, first_run = open_training_store(folder)
    except WrongSecret:
        echo(f"练习台账的密码不是 {TRAINING_PASSWORD}，请删除文件夹 {folder} 后重试。")
        raise
    except StoreUnavailable as exc:
        echo(exc.message)
        return None
    try:
        if problem := clock_problem(china_now(), evidence(store)):
            echo(problem)
        result = record_practice_day(store, load_catalogue(), china_now().date())
    except FormErrors as exc:
        echo(f"示例办件没有登记：{exc}")
        return None
    finally:
        store.close()
    for line in report_lines(result, folder, first_run):
        echo(line)
    return result


__all__ = ["TRAINING_PASSWORD", "DemoResult", "run"]
