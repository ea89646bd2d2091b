"""办事指南 and 一次性告知单: an item's guide, and the full list of what one case still lacks, for the villager."""

from __future__ import annotations

from desktop.printing.data import GuideData, NoticeData
from desktop.printing.layout import Sheet
from desktop.printing.ops import Layout
from desktop.printing.papers import Paper
from desktop.printing.render import render_pdf
from desktop.printing.wording import HOTLINE_ANSWER, NO_FEE, heading, joined, material_text, when
from sync.ledger.catalogue import SAMPLE_NOTE

GUIDE_TITLE = "办事指南"
NOTICE_TITLE = "一次性告知单"


def guide_layout(data: GuideData, paper: Paper) -> Layout:
    sheet = Sheet(paper, f"{GUIDE_TITLE} {data.item_name}")
    heading(sheet, GUIDE_TITLE, data.training)
    sheet.text(data.item_name, bold=True, align="center", size=paper.title * 0.85)
    if data.sample:
        sheet.notice(data.note or SAMPLE_NOTE)
    sheet.gap()
    sheet.fields([("事项类别", data.category), ("办理方式", data.flow_label)])
    sheet.field("办理单位", joined(data.units))
    sheet.field("办理时限", data.time_limit_text)

    sheet.section(f"需要带的材料（{len(data.materials)} 项）")
    if not data.materials:
        sheet.text("不需要提交材料。")
    for number, material in enumerate(data.materials, 1):
        need = "必需" if material.required else "视情况需要"
        note = "；".join(part for part in (need, material.note) if part)
        sheet.item(f"{number}.", material_text(material), note)

    sheet.section("办理步骤")
    for number, step in enumerate(data.steps, 1):
        sheet.item(f"{number}.", step)
    sheet.section("收费")
    sheet.text(data.fee_text)
    sheet.text(NO_FEE, bold=True)
    sheet.section("咨询和查询")
    sheet.text(data.query_text)
    sheet.text(f"所有咨询在 {HOTLINE_ANSWER}")
    return sheet.finish(f"事项清单 {data.catalogue_version} 版　打印于 {when(data.printed_at)}")


def guide_pdf(data: GuideData, paper: Paper, *, compress: bool = True) -> bytes:
    """An item's guide on ``paper`` as PDF bytes."""
    return render_pdf(guide_layout(data, paper), compress=compress)


def notice_layout(data: NoticeData, paper: Paper) -> Layout:
    sheet = Sheet(paper, f"{NOTICE_TITLE} {data.receipt_no}")
    heading(sheet, NOTICE_TITLE, data.training)
    sheet.field("回执编号", data.receipt_no, bold=True)
    sheet.field("办理事项", data.item_name)
    sheet.fields([(data.applicant.kind_label, data.applicant.name), ("登记时间", when(data.recorded_at))])
    sheet.field("代办点", f"{data.point.name}（{data.point.code}）")

    if not data.missing:
        sheet.section("材料情况")
        sheet.text("经核对，这笔办件的材料已经齐全，不需要补交。")
    else:
        sheet.section(f"还需补齐的材料（共 {len(data.missing)} 项）")
        sheet.text("按照一次性告知的要求，下面列出的就是还需要补齐的全部材料：")
        for number, material in enumerate(data.missing, 1):
            sheet.item(f"{number}.", material_text(material), material.note)
        sheet.gap()
        sheet.text(
            f"请备齐后交给{data.point.name}的代办员。材料齐全后，代办点免费寄送或送交"
            f"{joined(data.units)}，是否受理由{joined(data.units)}决定。"
        )
        if data.sample:
            sheet.text(f"材料要求为示例，以{joined(data.units)}提供的办事指南为准。", size=paper.body * 0.85)
    sheet.section("咨询")
    sheet.text(f"拨打 {data.query.hotline} 政务服务便民热线，报回执编号咨询，{HOTLINE_ANSWER}")
    sheet.gap()
    with sheet.together():
        sheet.text(NO_FEE, bold=True)
        sheet.signatures(["代办员签名：", "群众签名："])
    return sheet.finish(f"一次性告知单 {data.receipt_no}　打印于 {when(data.printed_at)}")


def notice_pdf(data: NoticeData, paper: Paper, *, compress: bool = True) -> bytes:
    """The one-time notice of missing materials on ``paper`` as PDF bytes."""
    return render_pdf(notice_layout(data, paper), compress=compress)
