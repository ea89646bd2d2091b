"""寄递交接单: the free-mailing hand-over slip that the agent and the postal clerk both sign."""

from __future__ import annotations

from desktop.printing.data import MailingSlipData
from desktop.printing.layout import Sheet
from desktop.printing.ops import Layout
from desktop.printing.papers import Paper
from desktop.printing.render import render_pdf
from desktop.printing.wording import day_text, heading, when

TITLE = "免费寄递交接单"
FREE = "本邮件为浮梁县“乡村随身办”免费寄递（证照批文、申请材料），寄件人和收件人都不付费。"


def mailing_slip_layout(data: MailingSlipData, paper: Paper) -> Layout:
    sheet = Sheet(paper, TITLE)
    heading(sheet, TITLE, data.training)
    sheet.notice(FREE)
    if data.tracking_no:
        sheet.field("运单号", data.tracking_no, bold=True, size=paper.body * 1.15)
        sheet.barcode(data.tracking_no)
    else:
        sheet.field("运单号", "尚未交寄，交寄时由邮政营业员填写：")
        sheet.signatures(["运单号："])
    sheet.fields(
        [
            ("登记日期", day_text(data.recorded_date)),
            ("寄递方向", data.direction_label),
            ("寄递状态", data.state_label),
            ("交寄时间", when(data.dispatched_at) if data.dispatched_at else "未交寄"),
        ]
    )

    sheet.section("寄件方")
    sheet.field("代办点", f"{data.point.name}（{data.point.code}）")
    sheet.field("代办员", data.point.agent_name or "见下方签名")
    sheet.section("收件方")
    sheet.field("收件单位" if data.direction_label.endswith("部门") else "收件人", data.recipient_name)
    if data.recipient_mobile:
        sheet.field("联系电话", data.recipient_mobile)
    if data.recipient_address:
        sheet.field("地址", data.recipient_address)

    sheet.section("寄递内容")
    sheet.field("内容", data.contents)
    sheet.field("件数", f"{data.pieces} 件", bold=True)
    if data.cases:
        sheet.section(f"随寄办件（{len(data.cases)} 笔）")
        for number, linked in enumerate(data.cases, 1):
            sheet.item(f"{number}.", f"回执编号 {linked.receipt_no}", f"{linked.item_name}　{linked.applicant_name}")
    sheet.gap()
    with sheet.together():
        sheet.text("邮政营业员当面核对件数和内容无误后签字。请打印两份，代办点和邮政网点各留一份。")
        sheet.signatures(["代办员签名：", "邮政营业员签名：", "交接时间："])
    return sheet.finish(f"寄递交接单　打印于 {when(data.printed_at)}")


def mailing_slip_pdf(data: MailingSlipData, paper: Paper, *, compress: bool = True) -> bytes:
    """The hand-over slip on ``paper`` as PDF bytes."""
    return render_pdf(mailing_slip_layout(data, paper), compress=compress)
