"""交接清单: what a stopped (撤销) point hands over to its township — the villagers' materials it holds, those sent
and not yet signed for, and the mailings not yet delivered — with signatures of both sides."""

from __future__ import annotations

from reportlab.lib.units import mm

from desktop.printing.data import HandoverCase, HandoverData
from desktop.printing.layout import Column, Sheet
from desktop.printing.ops import Layout
from desktop.printing.papers import Paper
from desktop.printing.wording import day_text, heading, when

TITLE = "交接清单"


def _cases(sheet: Sheet, cases: tuple[HandoverCase, ...], wide: bool, empty: str) -> None:
    if not cases:
        sheet.text(empty)
        return
    if wide:
        sheet.table(
            [
                Column("回执编号", 3.4),
                Column("事项", 3.4),
                Column("申请人", 1.8),
                Column("登记日期", 2.3),
                Column("材料", 4.6),
            ],
            [
                [c.receipt_no, c.item_name, c.applicant, c.business_date.isoformat(), "、".join(c.materials) or "—"]
                for c in cases
            ],
        )
        return
    for number, c in enumerate(cases, 1):
        sheet.item(
            f"{number}.",
            f"{c.receipt_no}　{c.item_name}　{c.applicant}",
            f"{day_text(c.business_date)}登记，{c.state_label}；材料：{'、'.join(c.materials) or '—'}",
        )


def handover_layout(data: HandoverData, paper: Paper) -> Layout:
    sheet = Sheet(paper, TITLE)
    wide = paper.printable_width >= 100 * mm
    heading(sheet, TITLE, data.training)
    sheet.field("代办点", f"{data.point.name}（{data.point.code}）")
    if data.point.agent_name:
        sheet.field("代办员", data.point.agent_name)
    sheet.field("打印时间", when(data.printed_at))
    if data.reason:
        sheet.notice(f"县里的说明：{data.reason}", bold=False)
    sheet.text("本清单列出本代办点尚未办完的群众材料和寄递，交乡镇接收，由乡镇继续办理或退还群众。")

    sheet.section(f"一、在本点的群众材料（{len(data.held)} 件）")
    _cases(sheet, data.held, wide, "本点没有留存的群众材料。")
    sheet.section(f"二、已送交部门、部门尚未签收（{len(data.sent)} 件）")
    _cases(sheet, data.sent, wide, "没有在途的材料。")
    sheet.text("这些材料不在本点，请乡镇向办理部门跟进。", size=paper.body * 0.85)

    sheet.section(f"三、未妥投的寄递（{len(data.mailings)} 件）")
    if not data.mailings:
        sheet.text("没有未妥投的寄递。")
    for number, m in enumerate(data.mailings, 1):
        sheet.item(
            f"{number}.",
            f"{m.direction_label}　{m.recipient}　{m.pieces} 件",
            f"运单号 {m.tracking_no}　{m.state_label}",
        )

    sheet.section("四、同步情况")
    if data.unsynced:
        sheet.text(
            f"还有 {data.unsynced} 条记录没有上传到县里；它们都保存在这台电脑上，请乡镇告知县里来取。", bold=True
        )
    else:
        sheet.text("这台电脑的记录已全部上传到县里。")
    sheet.gap()
    with sheet.together():
        sheet.text(
            f"合计：留存材料 {len(data.held)} 件，在途材料 {len(data.sent)} 件，未妥投寄递 {len(data.mailings)} 件。",
            bold=True,
        )
        sheet.signatures(["代办员签名：", "乡镇接收人签名：", "交接日期："])
    return sheet.finish(f"{TITLE}　{data.point.code}　打印于 {when(data.printed_at)}")
