"""领取单: the slip the villager (or a family member) signs on taking a return mailing (部门回寄) at the point."""

from __future__ import annotations

from desktop.printing.data import PickupSlipData
from desktop.printing.layout import Sheet
from desktop.printing.ops import Layout
from desktop.printing.papers import Paper
from desktop.printing.render import render_pdf
from desktop.printing.wording import day_text, heading, when

TITLE = "部门回寄领取单"


def pickup_slip_layout(data: PickupSlipData, paper: Paper) -> Layout:
    sheet = Sheet(paper, TITLE)
    heading(sheet, TITLE, data.training)
    sheet.notice("县级部门寄回的证照、批文或告知书已到代办点，当面交给群众本人或家属，领取人签字后由代办点留存。")
    sheet.fields(
        [
            ("回执编号", data.receipt_no),
            ("办理事项", data.item_name),
            ("申请人", data.applicant_name),
        ]
    )
    sheet.section("寄回的邮件")
    sheet.field("寄件部门", data.sender)
    sheet.field("内容", data.contents, bold=True)
    sheet.field("运单号", data.tracking_no)
    sheet.field("寄出日期", day_text(data.mailed_date))
    sheet.section("领取")
    sheet.field("代办点", f"{data.point.name}（{data.point.code}）")
    if data.handed_date is not None:
        sheet.field("领取日期", day_text(data.handed_date), bold=True)
        who = data.receiver_label + (f"：{data.receiver_name}" if data.receiver_name else "")
        sheet.field("领取人", who, bold=True)
    else:
        sheet.field("领取日期", "　　　　年　　月　　日")
        sheet.field("领取人", "□ 群众本人　□ 家属代领，姓名：")
    sheet.gap()
    with sheet.together():
        sheet.text("领取人当面核对内容无误后签字。本单由代办点留存备查。")
        sheet.signatures(["领取人签名：", "代办员签名："])
    return sheet.finish(f"领取单　打印于 {when(data.printed_at)}")


def pickup_slip_pdf(data: PickupSlipData, paper: Paper, *, compress: bool = True) -> bytes:
    """The pickup slip on ``paper`` as PDF bytes."""
    return render_pdf(pickup_slip_layout(data, paper), compress=compress)
