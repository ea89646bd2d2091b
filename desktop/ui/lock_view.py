"""The locked window (已停用): the county stopped this point, account or device; nothing new can be recorded, and
the hand-over list (交接清单) of what the point still holds can be printed for the township.

The county may reinstate (恢复) a counter it stopped by mistake: the window asks it now and then by itself, and
the agent can ask at once with 向县里确认是否已恢复; the main window lifts the lock when the county says yes.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from desktop.services.printouts import handover_pdf
from desktop.services.session import Counter
from desktop.services.standing import StandingCheck
from desktop.ui.messages import MessageBar
from desktop.ui.printing import Printer
from desktop.ui.widgets import button, card, label

KEPT = "这台电脑上的台账和记录都还在，没有删除，也不会删除：县里需要时会来收取。已经上传到县里的记录，县里都有。"
WHAT_NOW = (
    "从现在起，这台电脑不能再登记新的办件和寄递。\n"
    "如果您认为弄错了，请联系乡镇或县政务服务管理局。请不要删除或重装软件，以免台账受损。\n"
    "县里恢复以后，软件开着时几分钟内会自动解除停用，也可以点“向县里确认是否已恢复”。"
)
HANDOVER = (
    "代办点被撤销或停止服务时，请点“打印交接清单”：清单列出本机还留着的群众材料、已送出未签收的材料和未妥投的寄递，"
    "连同材料一起交给乡镇，双方签字。"
)
CHECKING = "正在向县里确认……"


class LockedView(QWidget):
    """A full-window plain explanation; the agent can ask the county whether it took the counter back, or close."""

    close_app = Signal()
    check_again = Signal()

    def __init__(self, message: str, parent: QWidget | None = None, counter: Counter | None = None) -> None:
        super().__init__(parent)
        self.counter = counter
        self.setObjectName("lockedView")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = card()
        box.setMaximumWidth(900)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(36, 28, 36, 28)
        inner.setSpacing(16)
        inner.addWidget(label("这台电脑已被县里停用", "huge"))
        self.county = label(f"县里的说明：{message}", "heading", selectable=True)
        self.county.setObjectName("lockMessage")
        inner.addWidget(self.county)
        self.kept = label(KEPT)
        self.kept.setObjectName("lockKept")
        inner.addWidget(self.kept)
        inner.addWidget(label(WHAT_NOW))
        if counter is not None:
            inner.addWidget(label(HANDOVER))
        self.check_note = label("", "muted", selectable=True)
        self.check_note.setObjectName("lockCheckNote")
        self.check_note.hide()
        inner.addWidget(self.check_note)
        self.messages = MessageBar()
        inner.addWidget(self.messages)
        self.printer = Printer(counter, self.messages, self) if counter is not None else None
        row = QHBoxLayout()
        row.addStretch(1)
        if self.printer is not None:
            self.handover_button = button("打印交接清单", name="lockHandover")
            self.handover_button.clicked.connect(self.print_handover)
            row.addWidget(self.handover_button)
        self.check_button = button("向县里确认是否已恢复", name="lockCheck")
        self.check_button.clicked.connect(self.check_again)
        row.addWidget(self.check_button)
        self.close_button = button("关闭软件", name="lockClose")
        self.close_button.clicked.connect(self.close_app)
        row.addWidget(self.close_button)
        inner.addLayout(row)
        center = QHBoxLayout()
        center.addStretch(1)
        center.addWidget(box, 4)
        center.addStretch(1)
        outer.addLayout(center)
        outer.addStretch(2)

    def print_handover(self):
        """The hand-over list, through the usual preview and printer: reading the ledger needs no county."""
        if self.printer is None:
            return None
        return self.printer.print_pdf("交接清单", lambda: handover_pdf(self.counter))

    def set_message(self, message: str) -> None:
        self.county.setText(f"县里的说明：{message}")

    def checking(self) -> None:
        self.check_button.setEnabled(False)
        self.check_note.setText(CHECKING)
        self.check_note.show()

    def show_check(self, check: StandingCheck, asked_at: datetime) -> None:
        """The county's answer while still locked (a yes replaces this window with the pages)."""
        self.check_button.setEnabled(True)
        if check.refused:
            self.set_message(check.message)
            text = f"{asked_at:%H:%M} 向县里确认过：还没有恢复。"
        else:
            text = f"{asked_at:%H:%M} 没能问到县里：{check.message}"
        self.check_note.setText(text)
        self.check_note.show()

    def focus_first(self) -> None:
        self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)
