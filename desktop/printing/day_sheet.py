"""日结单: one business day at one agent point — cases by item and mode, mailings, voids, points, what is unsynced."""

from __future__ import annotations

from reportlab.lib.units import mm

from desktop.printing.data import DaySheetData
from desktop.printing.layout import Column, Sheet
from desktop.printing.ops import Layout
from desktop.printing.papers import Paper
from desktop.printing.render import render_pdf
from desktop.printing.wording import day_text, heading, when, yuan

TITLE = "日结单"


def _amount(fen: int) -> str:
    return yuan(fen) if fen else "—"


def day_sheet_layout(data: DaySheetData, paper: Paper) -> Layout:
    sheet = Sheet(paper, f"{TITLE} {data.business_date.isoformat()}")
    wide = paper.printable_width >= 100 * mm
    heading(sheet, TITLE, data.training)
    sheet.field("代办点", f"{data.point.name}（{data.point.code}）")
    sheet.fields(
        [
            ("营业日期", day_text(data.business_date)),
            ("日结状态", f"已日结（{when(data.closed_at)}）" if data.closed_at else "未日结（预览）"),
        ]
    )

    sheet.section(f"一、办件汇总（{data.case_count} 件）")
    if wide:
        columns = [
            Column("事项", 6),
            Column("办件", 1.4, "right"),
            Column("已办结", 1.6, "right"),
            Column("金额", 2.6, "right"),
        ]
        rows = [[row.name, str(row.count), str(row.completed), _amount(row.amount_fen)] for row in data.by_item]
        rows.append(
            [
                "合计",
                str(data.case_count),
                str(sum(row.completed for row in data.by_item)),
                _amount(data.amount_fen_total),
            ]
        )
    else:
        columns = [Column("事项", 5), Column("件数", 1.8, "right"), Column("金额", 3.4, "right")]
        rows = [[row.name, str(row.count), _amount(row.amount_fen)] for row in data.by_item]
        rows.append(["合计", str(data.case_count), _amount(data.amount_fen_total)])
    sheet.table(columns, rows)
    sheet.text("作废的办件不计入以上件数和金额。", size=paper.body * 0.85)

    sheet.section("二、按服务方式")
    sheet.text("，".join(f"{label} {count} 件" for label, count in data.by_mode) + "。")

    sheet.section(f"三、免费寄递（{len(data.mailings)} 件）")
    if not data.mailings:
        sheet.text("今天没有登记寄递。")
    elif wide:
        sheet.table(
            [
                Column("方向", 3),
                Column("收件方", 3),
                Column("件数", 1.2, "right"),
                Column("运单号", 3.6),
                Column("状态", 1.6),
            ],
            [[m.direction_label, m.recipient, str(m.pieces), m.tracking_no, m.state_label] for m in data.mailings],
        )
    else:
        for number, m in enumerate(data.mailings, 1):
            sheet.item(
                f"{number}.",
                f"{m.recipient}　{m.pieces} 件　{m.state_label}",
                f"{m.direction_label}　运单号 {m.tracking_no}",
            )

    sheet.section(f"四、作废办件（{data.voided_count} 笔）")
    if not data.voided:
        sheet.text("今天没有作废的办件。")
    for number, void in enumerate(data.voided, 1):
        sheet.item(f"{number}.", f"{void.receipt_no}　{void.item_name}", f"作废原因：{void.reason or '未写明'}")

    sheet.section("五、积分（预计）")
    sheet.fields(
        [
            ("今日办结", f"{data.points_today} 分"),
            ("本月累计", f"{data.month_points} / {data.month_cap} 分（{data.month_label}）"),
        ]
    )
    sheet.text("积分以县政务服务管理局每季度的结算为准。", size=paper.body * 0.85)

    sheet.section("六、同步情况")
    if data.unsynced_total:
        sheet.text(f"还有 {data.unsynced_total} 条记录没有同步到县里。", bold=True)
        sheet.text(
            "其中"
            + "、".join(f"{label} {count} 条" for label, count in data.unsynced)
            + "。记录都已保存在本机，联网后请点“同步”。"
        )
    else:
        sheet.text("本机记录已全部同步到县里。")
    if data.rejected:
        sheet.text(f"有 {data.rejected} 条记录被县里退回，请在同步页面查看并处理。", bold=True)
    sheet.gap()
    with sheet.together():
        sheet.text(
            f"合计：办件 {data.case_count} 件（另作废 {data.voided_count} 件），金额 "
            f"{yuan(data.amount_fen_total)}，寄递 {len(data.mailings)} 件，今日办结计分 {data.points_today} 分。",
            bold=True,
        )
        sheet.signatures(["代办员签名：", "乡镇核查签名："])
    return sheet.finish(f"日结单 {day_text(data.business_date)}　打印于 {when(data.printed_at)}")


def day_sheet_pdf(data: DaySheetData, paper: Paper, *, compress: bool = True) -> bytes:
    """The day sheet on ``paper`` as PDF bytes."""
    return render_pdf(day_sheet_layout(data, paper), compress=compress)
