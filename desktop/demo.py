"""The training ledger demo (培训模式): records a realistic day in a practice store and reports on it.

Until the counter window exists, ``suishenban --training`` runs this from the command line: it does
the same work a practice day at the counter would — record one case of each kind, a mailing of
approval materials, the day close with its backup — on a store of its own that never touches real
records, and prints what the agent would see (numbers masked as on screen and paper).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from desktop.services.summary import missing_materials, month_points
from desktop.store.keys import WrongSecret
from desktop.store.ledger import Identity, LedgerStore
from desktop.store.opening import create_store, open_store
from sync.ledger.catalogue import Catalogue, load_catalogue
from sync.ledger.events import china_now, new_id
from sync.ledger.forms import (
    CaseForm,
    MailingForm,
    draft_case,
    draft_complete,
    draft_dispatch,
    draft_mailing,
    draft_materials_sent,
)
from sync.ledger.ids import resident_id_check_char
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


def record_practice_day(store: LedgerStore, catalogue: Catalogue, today: date) -> DemoResult:
    people = [
        ("王秀英", _sample_id("360222", "19520317", "042"), "13979812345"),
        ("𠮷田春花", _sample_id("360221", "19480605", "128"), "13607981234"),  # an Extension B surname
        ("程建国", _sample_id("360222", "19750921", "311"), "15179856789"),
    ]
    receipts = []

    def record(form: CaseForm):
        (ev,) = store.append(draft_case(form, catalogue, business_date=today))
        item = catalogue.by_code(form.item_code)
        receipts.append((ev.body["receipt_no"], item.name, mask_name(form.name), SERVICE_MODE_LABELS[ServiceMode(form.mode)]))
        return ev

    name, id_number, mobile = people[0]
    power = record(CaseForm("FL003", "point", name=name, id_number=id_number, mobile=mobile, village="瑶里村",
                            amount="86.50", consent=True))
    store.append(draft_complete(power.body["case_id"]))

    name, id_number, mobile = people[1]
    card = record(CaseForm("FL011", "home", name=name, id_number=id_number, mobile=mobile, village="瑶里村",
                           notes="上户帮老人激活医保电子凭证", consent=True))
    store.append(draft_complete(card.body["case_id"]))

    name, id_number, mobile = people[2]
    licence = catalogue.by_code("FL015")
    required = [m for m in licence.guide.materials if m.required]
    materials = {m.code: "received" for m in licence.guide.materials}
    materials[required[-1].code] = "missing"
    shop = record(CaseForm("FL015", "activity_day", name=name, id_number=id_number, mobile=mobile, village="东埠村",
                           materials=materials, notes="开办农家乐", consent=True))
    notice = missing_materials(store, catalogue, shop.body["case_id"])

    unit = licence.guide.unit_codes[0]
    (mail,) = store.append(draft_mailing(MailingForm("to_department", unit_code=unit, contents="个体工商户设立登记申请材料",
                                                     pieces=1, case_ids=[shop.body["case_id"]]), business_date=today))
    store.append(draft_materials_sent(shop.body["case_id"], mail.body["mailing_id"]))
    tracking_no = "1180956234017"
    store.append(draft_dispatch(mail.body["mailing_id"], tracking_no))

    _closed, backup = store.close_day(today)
    points = month_points(store, china_now())
    counts = store.outbox_counts()
    unit_name = catalogue.units_of(licence)[0].name
    return DemoResult(receipts, notice, tracking_no, unit_name, points.credited, counts.get("pending", 0), backup.path.name,
                      store.verify().seq)


def report_lines(result: DemoResult, folder: Path, first_run: bool) -> list[str]:
    lines = [BANNER, f"练习台账位置：{folder}", f"练习密码：{TRAINING_PASSWORD}" + ("（首次创建）" if first_run else ""), ""]
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


def run(folder: Path, echo: Callable[[str], None] = print) -> DemoResult:
    try:
        store, first_run = open_training_store(folder)
    except WrongSecret:
        echo(f"练习台账的密码不是 {TRAINING_PASSWORD}，请删除文件夹 {folder} 后重试。")
        raise
    try:
        result = record_practice_day(store, load_catalogue(), china_now().date())
    finally:
        store.close()
    for line in report_lines(result, folder, first_run):
        echo(line)
    return result


__all__ = ["TRAINING_PASSWORD", "DemoResult", "run"]
