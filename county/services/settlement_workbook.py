"""A settlement version as an Excel workbook for finance and audit (openpyxl): summary, lines, clawbacks,
hand-outs. Money cells are numbers with two decimals, written from the stored decimal text."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from county.models import Settlement

LINE_HEADERS = (
    ("point_code", "代办点编号"),
    ("point_name", "代办点"),
    ("township_name", "乡镇"),
    ("m1", "第1月积分"),
    ("m2", "第2月积分"),
    ("m3", "第3月积分"),
    ("points", "本季积分"),
    ("gross", "折合金额（元）"),
    ("released", "上季暂扣本季发放（元）"),
    ("clawback", "收回奖补（元）"),
    ("owed_in", "上季未抵扣（元）"),
    ("payout", "本季实发（元）"),
    ("owed_out", "结转待追回（元）"),
    ("held_out", "暂扣结转（元）"),
    ("hold_reason", "暂扣原因"),
    ("hold_released", "解除暂缓"),
)
MONEY = {"gross", "released", "clawback", "owed_in", "payout", "owed_out", "held_out"}
STATES = {"draft": "草稿", "published": "已发布"}


def _sheet(book: Workbook, title: str, headers: list[str]):
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return sheet


def workbook(
    settlement: Settlement,
    months: tuple[str, str, str],
    lines: list[dict],
    clawbacks: list[dict],
    handouts: list[dict],
    scope_label: str,
) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    for row in (
        ("季度", settlement.quarter),
        ("版本", settlement.version),
        ("状态", STATES.get(settlement.state, settlement.state)),
        ("每积分折合（元）", Decimal(settlement.point_value)),
        ("更正原因", settlement.reason or ""),
        ("校验值（SHA-256）", settlement.content_hash),
        ("范围", scope_label),
        ("代办点数", len(lines)),
        ("本季积分合计", sum(line["points"] for line in lines)),
        ("本季实发合计（元）", sum((Decimal(line["payout"]) for line in lines), Decimal("0.00"))),
    ):
        summary.append(row)
    summary.column_dimensions["A"].width, summary.column_dimensions["B"].width = 22, 70
    sheet = _sheet(book, "结算明细", [label for _key, label in LINE_HEADERS])
    codes = {}
    for line in lines:
        codes[line["point_id"]] = line["point_code"]
        values = []
        for key, _label in LINE_HEADERS:
            if key in ("m1", "m2", "m3"):
                values.append(line["months"].get(months[int(key[1]) - 1], {}).get("capped", 0))
            elif key in MONEY:
                values.append(Decimal(line[key]))
            else:
                values.append(line[key] or "")
        sheet.append(values)
    for column in "HIJKLMN":
        for cell in sheet[column][1:]:
            cell.number_format = "0.00"
    claws = _sheet(
        book, "收回奖补", ["代办点编号", "回执号", "原结算季度", "积分", "当季每积分（元）", "收回金额（元）", "原因"]
    )
    for c in clawbacks:
        claws.append(
            [
                codes.get(c["point_id"], ""),
                c["receipt_no"],
                c["paid_quarter"],
                c["points"],
                Decimal(c["point_value"]),
                Decimal(c["amount"]),
                c["reason"],
            ]
        )
    given = _sheet(book, "发放登记", ["代办点编号", "代办点", "发放日期", "领取人", "登记人"])
    for h in handouts:
        given.append([h["point_code"], h["point_name"], h["handed_on"], h["receiver"], h["recorded_by"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
