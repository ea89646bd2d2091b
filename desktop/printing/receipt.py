"""The case receipt, by kind of item: a 代缴凭条 for a payment, a 代办收件回执 for everything else.

A payment slip says what was paid, for which number or account, to which unit, and that the unit's own
notice is the proof of payment; a collection receipt says what the agent received, never that the
department accepted it. Both word the status and the next step from the same case state.
"""

from __future__ import annotations

from desktop.printing.data import ReceiptData
from desktop.printing.layout import Sheet
from desktop.printing.ops import Layout
from desktop.printing.papers import Paper
from desktop.printing.render import render_pdf
from desktop.printing.wording import HOTLINE_ANSWER, NO_FEE, heading, joined, materials, when, yuan

TITLE = "代办收件回执"
PAYMENT_TITLE = "代缴凭条"
WITHDRAWAL_TITLE = "助农取现凭条"
NOT_ACCEPTANCE = "本回执仅证明代办点已收到以下材料，不代表部门已受理；是否受理、是否批准以办理部门的决定为准。"
NOT_ACCEPTANCE_ONLINE = "本回执仅证明代办员已为您登记代办，不代表部门已受理；是否受理、是否办结以办理部门的决定为准。"
PAYMENT_PROOF = "本凭条只证明代办点收了您的钱并代为缴纳；缴费是否到账，以{units}发给您的缴费短信或票据为准。"
WITHDRAWAL_PROOF = "本凭条只证明代办点付给您现金；取款以{units}的交易记录为准。"
PAYMENT_STATES = {"recorded": "已收款，正在代缴", "completed": "已代缴", "voided": "已作废"}
WITHDRAWAL_STATES = {"recorded": "正在办理", "completed": "已付现金", "voided": "已作废"}


def is_withdrawal(data: ReceiptData) -> bool:
    """助农取现 hands cash out rather than paying a bill in; its name says so."""
    return "取现" in data.item_name


def is_payment_slip(data: ReceiptData) -> bool:
    """Payments and 助农取现 get a slip for the money; everything else a receipt for what was handed over."""
    return data.flow == "payment"


def title_of(data: ReceiptData) -> str:
    if not is_payment_slip(data):
        return TITLE
    return WITHDRAWAL_TITLE if is_withdrawal(data) else PAYMENT_TITLE


def status_text(data: ReceiptData) -> str:
    """办件状态 in the slip's own words, from the same state the next step is worded from."""
    if is_payment_slip(data):
        states = WITHDRAWAL_STATES if is_withdrawal(data) else PAYMENT_STATES
        return states.get(data.state, data.state_label)
    return data.state_label


def next_step(data: ReceiptData) -> str:
    """What happens after the counter, from the case's state first, then the item's flow."""
    units = joined(data.units)
    if data.state == "voided":
        return "本办件已作废，不再办理。"
    if is_withdrawal(data):
        if data.state == "completed":
            return "已当场办理，现金当面点清交给您。"
        return "代办员确认取款成功后，当面把现金点清交给您。"
    if data.flow == "payment":
        if data.state == "completed":
            return f"已当场代缴，款项全额缴给{units}。"
        return f"代办员正在把款项全额缴给{units}，缴好后会在台账里办结；请留意{units}的缴费短信。"
    if data.state == "completed":
        return f"{units}已办结。" + (f"办理说明：{data.county_note}" if data.county_note else "")
    if data.state == "returned":
        reason = data.county_note or "请联系代办员了解原因"
        return f"{units}已退回：{reason}。请按要求补正后再交给代办员。"
    if data.state in ("accepted", "in_review"):
        return f"{units}已受理，正在办理，办结后代办员会通知您。"
    if data.state == "materials_sent":
        rest = "还缺的材料请尽快补交给代办员，由代办点转交。" if data.missing else ""
        return f"材料已送交{units}，是否受理、是否批准由{units}决定，有结果后代办员会通知您。{rest}"
    if data.flow == "online":
        return f"代办员已在网上为您申报，由{units}办理。"
    if data.missing:
        return f"请先补齐下面“还缺的材料”，交给代办员；材料齐全后，代办点免费寄送或送交{units}，是否受理由{units}决定。"
    return f"代办点将材料免费寄送或送交{units}，是否受理、是否批准由{units}决定。"


def _details(sheet: Sheet, data: ReceiptData) -> None:
    """The item's own fields: beside a short label, or on one line of their own when the label is long."""
    for label, value in data.details:
        if len(label) <= 4:
            sheet.field(label, value)
        else:
            sheet.text(f"{label}：{value}")


def _applicant(sheet: Sheet, data: ReceiptData, label: str) -> None:
    applicant = data.applicant
    sheet.section(label if applicant.kind_label == "申请人" else applicant.kind_label)
    pairs = [
        ("姓名" if applicant.kind_label == "申请人" else "名称", applicant.name),
        (applicant.id_label, applicant.id_text),
    ]
    pairs += [("联系电话", applicant.mobile)] if applicant.mobile else []
    pairs += [("村（组）", data.village)] if data.village else []
    sheet.fields(pairs)


def _query_and_sign(sheet: Sheet, data: ReceiptData) -> None:
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


def _top(sheet: Sheet, data: ReceiptData, paper: Paper, notice: str) -> None:
    title = title_of(data)
    heading(sheet, title + ("（补打）" if data.reprint else ""), data.training)
    if data.voided:
        sheet.notice(f"本办件已作废，本{title[-2:]}不再有效。作废原因：{data.void_reason or '未写明'}")
    sheet.notice(notice)
    sheet.field("回执编号", data.receipt_no, bold=True, size=paper.body * 1.15)
    sheet.fields([("登记时间", when(data.recorded_at)), ("服务方式", data.mode_label)])
    sheet.field("代办点", f"{data.point.name}（{data.point.code}）")
    sheet.fields([("代办员", data.point.agent_name or "见下方签名"), ("办件状态", status_text(data))])


def payment_layout(data: ReceiptData, paper: Paper) -> Layout:
    """代缴凭条 / 助农取现凭条: the money, what it was for, and whose record proves it."""
    withdrawal, units = is_withdrawal(data), joined(data.units)
    sheet = Sheet(paper, title_of(data) + (f" {data.receipt_no}" if data.receipt_no else ""))
    _top(sheet, data, paper, (WITHDRAWAL_PROOF if withdrawal else PAYMENT_PROOF).format(units=units))
    sheet.section("取现内容" if withdrawal else "缴费内容")
    sheet.field("办理事项", data.item_name, bold=True)
    _details(sheet, data)
    sheet.field("取款银行" if withdrawal else "收款单位", units)
    if data.amount_fen is not None:
        sheet.field("取现金额" if withdrawal else "代缴金额", yuan(data.amount_fen), bold=True, size=paper.body * 1.15)
        sheet.text("代办点不收任何手续费。" if withdrawal else f"全额缴给{units}，代办点不加收任何费用。")
    _applicant(sheet, data, "取款人" if withdrawal else "缴费人")
    sheet.section("下一步")
    sheet.text(next_step(data))
    _query_and_sign(sheet, data)
    return sheet.finish(f"回执编号 {data.receipt_no}　打印于 {when(data.printed_at)}")


def collection_layout(data: ReceiptData, paper: Paper) -> Layout:
    """代办收件回执: what the agent received and what happens next; never a notice of acceptance."""
    sheet = Sheet(paper, TITLE + (f" {data.receipt_no}" if data.receipt_no else ""))
    handed_over = bool(data.received or data.missing or data.flow == "approval")
    _top(sheet, data, paper, NOT_ACCEPTANCE if handed_over else NOT_ACCEPTANCE_ONLINE)
    sheet.field("办理事项", f"{data.item_name}（{data.item_category}）", bold=True)
    sheet.fields([("办理方式", data.flow_label), ("办理单位", joined(data.units))])
    _details(sheet, data)
    _applicant(sheet, data, "申请人")
    if handed_over:
        sheet.section(f"已收到的材料（{len(data.received)} 项）")
        if data.received:
            materials(sheet, data.received, notes=False)
        else:
            sheet.text("本次未收取纸质材料。")
    if data.missing:
        sheet.section(f"还缺的材料（{len(data.missing)} 项）")
        materials(sheet, data.missing)
    sheet.section("下一步")
    sheet.text(next_step(data))
    sheet.field("办理时限", data.time_limit_text)
    if data.due_text:
        sheet.field("预计办结", data.due_text)
    _query_and_sign(sheet, data)
    return sheet.finish(f"回执编号 {data.receipt_no}　打印于 {when(data.printed_at)}")


def receipt_layout(data: ReceiptData, paper: Paper) -> Layout:
    return payment_layout(data, paper) if is_payment_slip(data) else collection_layout(data, paper)


def receipt_pdf(data: ReceiptData, paper: Paper, *, compress: bool = True) -> bytes:
    """The receipt on ``paper`` as PDF bytes."""
    return render_pdf(receipt_layout(data, paper), compress=compress)
