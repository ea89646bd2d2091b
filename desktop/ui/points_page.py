"""Points (积分): this month and this quarter by class against the cap of 1000 (附件2 第七条), and the county's statement."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from desktop.services.county_news import QuarterSettlement, points_statement
from desktop.services.overview import MONTHLY_CAP, points_now
from desktop.services.session import Counter
from desktop.ui.widgets import card, label
from sync.ledger.catalogue import CLASS_LABELS


class PointsPage(QWidget):
    def __init__(self, counter: Counter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter = counter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        month_card, quarter_card = card(), card()
        month = QVBoxLayout(month_card)
        self.month_title = label("", "heading")
        self.month_bar = QProgressBar(objectName="monthBar")
        self.month_bar.setRange(0, MONTHLY_CAP)
        self.month_line = label("")
        self.by_class = QGridLayout()
        month.addWidget(self.month_title)
        month.addWidget(self.month_bar)
        month.addWidget(self.month_line)
        month.addLayout(self.by_class)
        month.addStretch(1)
        quarter = QVBoxLayout(quarter_card)
        self.quarter_title = label("", "heading")
        self.quarter_lines = label("")
        self.quarter_lines.setObjectName("quarterLines")
        quarter.addWidget(self.quarter_title)
        quarter.addWidget(self.quarter_lines)
        quarter.addSpacing(12)
        self.county_title = label("县里的积分对账", "heading")
        self.county_lines = label("")
        self.county_lines.setObjectName("countyStatement")
        quarter.addWidget(self.county_title)
        quarter.addWidget(self.county_lines)
        quarter.addStretch(1)
        row.addWidget(month_card, 1)
        row.addWidget(quarter_card, 1)
        layout.addLayout(row, 1)
        layout.addWidget(
            label(
                "积分规则：办件办结后按事项类别计 1 到 5 分；每个代办点每月最多 1000 分；每季度兑现一次，"
                "按积分发放扶贫产品，由乡镇发到代办点。这里是本机估算，以县里的积分结算为准；作废的办件不计分。",
                "muted",
            )
        )
        self._class_labels: list = []

    def refresh(self) -> None:
        month, quarter = points_now(self.counter)
        year, number = month.month.split("-")
        self.month_title.setText(f"{year}年{int(number)}月积分（估算）")
        self.month_bar.setValue(min(month.credited, MONTHLY_CAP))
        self.month_bar.setFormat(f"{month.credited} / {MONTHLY_CAP}")
        capped = "，已到本月上限，之后办结的不再加分" if month.capped else ""
        self.month_line.setText(
            f"已办结 {month.case_count} 件，得 {month.credited} 分，还能得 {MONTHLY_CAP - month.credited} 分{capped}。"
        )
        for widget in self._class_labels:
            widget.deleteLater()
        self._class_labels = []
        for n, points_class in enumerate(range(1, 6)):
            for column, text in enumerate(
                (
                    f"{CLASS_LABELS[points_class]}事项（每件 {points_class} 分）",
                    f"{month.by_class.get(points_class, 0)} 分",
                )
            ):
                widget = label(text, wrap=False)
                self.by_class.addWidget(widget, n, column)
                self._class_labels.append(widget)
        q_year, q_number = quarter.quarter.split("-Q")
        self.quarter_title.setText(f"{q_year}年第{'一二三四'[int(q_number) - 1]}季度（估算）：{quarter.credited} 分")
        lines = [f"{int(m.month[5:])}月：{m.credited} 分（办结 {m.case_count} 件）" for m in quarter.months]
        self.quarter_lines.setText("\n".join(lines) if lines else "本季度还没有办结的办件。")
        self._county(month.month, quarter.quarter, quarter.credited)

    def _county(self, month_key: str, quarter_key: str, estimate: int) -> None:
        """The county's statement: what counts at the quarterly settlement, beside the estimate here."""
        statement = points_statement(self.counter)
        if statement is None:
            self.county_lines.setText("还没有收到县里的积分对账单（同步以后会收到）。")
            return
        lines = [f"县里核算（{statement.received} 收到）："]
        month = statement.month(month_key)
        if month is not None:
            capped = "，已到上限" if month.capped else ""
            lines.append(f"本月 {month.credited} 分（办结 {month.cases} 件{capped}）")
        county_quarter = statement.quarters.get(quarter_key)
        if county_quarter is not None:
            lines.append(f"本季度 {county_quarter} 分")
            if county_quarter != estimate:
                lines.append("和本机估算不一样时，以县里的为准；还没同步的办件同步后才会算进去。")
        if len(lines) == 1:
            lines.append("本季度县里还没有记到积分。")
        if statement.settlements:
            lines += ["", settlement_text(statement.settlements[-1])]
        self.county_lines.setText("\n".join(lines))


def settlement_text(settled: QuarterSettlement) -> str:
    """The newest published settlement of this point, in the words the township uses when it hands it over."""
    year, number = settled.quarter.split("-Q")
    lines = [
        f"{year}年第{'一二三四'[int(number) - 1]}季度结算（县里已发布，第 {settled.version} 版）：",
        f"{settled.points} 分，每分折合 {settled.point_value} 元，共 {settled.gross} 元扶贫产品",
    ]
    if settled.clawback != "0.00":
        lines.append(f"收回违规办件的奖补 {settled.clawback} 元")
    if settled.hold_released:
        lines.append(settled.hold_released)  # 原暂扣原因：…；已解除暂缓：理由（谁）
    if settled.hold_reason:
        lines.append(f"暂缓发放：{settled.hold_reason}（{settled.held_out} 元留到以后发放）")
    else:
        lines.append(f"由乡镇发放 {settled.payout} 元扶贫产品，领取时请在签收单上签字")
    if settled.owed_out != "0.00":
        lines.append(f"还欠 {settled.owed_out} 元，由乡镇追回")
    return "\n".join(lines)
