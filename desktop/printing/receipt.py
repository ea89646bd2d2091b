"""代办收件回执: the receipt the citizen takes home — what the agent received, never a notice of acceptance."""

from __future__ import annotations

from desktop.printing.data import ReceiptData
from desktop.printing.layout import Sheet
from desktop.printing.ops import Layout
from desktop.printing.papers import Paper
from desktop.printing.render import render_pdf
from desktop.printing.wording import HOTLINE_ANSWER, NO_FEE, heading, joined, materials, when, yuan

TITLE = "代办收件回执"
NOT_ACCEPTANCE = "本回执仅证明代办点已收到以下材料，不代表部门已受理；是否受理、是否批准以办理部门的决定为准。"


def is_withdrawal(data: ReceiptData) -> bool:
    """助农取现 hands cash out rather than paying a bill in; the catalogue has no field for it, its name says so."""
    return "取现" in data.item_name


def next_step(data: ReceiptData) -> str:
    """What happens after the counter, in the words of the item's flow."""
    units = joined(data.units)
    if is_withdrawal(data):
        return "已当场办理，现金当面点清交给您。"
    if data.flow == "payment":
        return f"已当场代缴，款项全额缴给{units}。"
    if data.flow == "online":
        return f"代办员已在网上为您申报，由{units}办理。"
    if data.missing:
        return f"请先补齐下面“还缺的材料”，交给代办员；材料齐全后，代办点免费寄送或送交{units}，是否受理由{units}决定。"
    return f"代办点将材料免费寄送或送交{units}，是否受理、是否批准由{units}决定。"


def receipt_layout(data: ReceiptData, paper: Paper) -> Layout:
    sheet = Sheet(paper, TITLE + (f" {data.receipt_no}" if data.receipt_no else ""))
    heading(sheet, TITLE + ("（补打）" if data.reprint else ""), data.training)
    if data.voided:
        sheet.notice(f"本办件已作废，本回执不再有效。作废原因：{data.void_reason or '未写明'}")
    sheet.notice(NOT_ACCEPTANCE)
    sheet.field("回执编号", data.receipt_no, bold=True, size=paper.body * 1.15)
    sheet.fields([("登记时间", when(data.recorded_at)), ("服务方式", data.mode_label)])
    sheet.field("代办点", f"{data.point.name}（{data.point.code}）")
    sheet.fields([("代办员", data.point.agent_name or "见下方签名"), ("办件状态", data.state_label)])
    sheet.field("办理事项", f"{data.item_name}（{data.item_category}）", bold=True)
    sheet.fields([("办理方式", data.flow_label), ("办理单位", joined(data.units))])

    applicant = data.applicant
    sheet.section(applicant.kind_label)
    pairs = [
        ("姓名" if applicant.kind_label == "申请人" else "名称", applicant.name),
        (applicant.id_label, applicant.id_text),
    ]
    pairs += [("联系电话", applicant.mobile)] if applicant.mobile else []
    pairs += [("村（组）", data.village)] if data.village else []
    sheet.fields(pairs)

    if data.received or data.missing or data.flow == "approval":
        sheet.section(f"已收到的材料（{len(data.received)} 项）")
        if data.received:
            materials(sheet, data.received, notes=False)
        else:
            sheet.text("本次未收取纸质材料。")
    if data.missing:
        sheet.section(f"还缺的材料（{len(data.missing)} 项）")
        materials(sheet, data.missing)
    if data.amount_fen is not None:
        withdrawal = is_withdrawal(data)
        sheet.section("取现金额" if withdrawal else "代缴金额")
        sheet.field("金额", yuan(data.amount_fen), bold=True, size=paper.body * 1.15)
        sheet.text(
            "代办点不收任何手续费。" if withdrawal else f"全额代缴给{joined(data.units)}，代办点不加收任何费用。"
        )

    sheet.section("下一步")
    sheet.text(next_step(data))
    sheet.field("办理时限", data.time_limit_text)
    if data.due_text:
        sheet.field("预计办结", data.due_text)

    with sheet.together():
        sheet.section("查询办理进度")
        ask = f"拨打 {data.query.hotline} 政务服务便民热线，报回执编号查询，{HOTLINE_ANSWER}"
        if data.query.url:
            sheet.qr(
                data.query.url,
                [ask, "扫码可在浮梁县“乡村随身办”专区查看办理进度。", f"查询码：{data.query.check_code}"],
            )
        else:
            sheet.text(ask)
    sheet.gap()
    with sheet.together():
        sheet.text(NO_FEE, bold=True)
        sheet.signatures(["代办员签名：", "群众签名："])
    return sheet.finish(f"回执编号 {data.receipt_no}　打印于 {when(data.printed_at)}")


def receipt_pdf(data: ReceiptData, paper: Paper, *, compress: bool = True) -> bytes:
    """The receipt on ``paper`` as PDF bytes."""
    return render_pdf(receipt_layout(data, paper), compress=compress)
