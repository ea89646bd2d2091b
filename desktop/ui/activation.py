"""Activating this PC (激活这台电脑): the county's address, the one-time code, a new password; then the recovery code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.jobs.tasks import activation_job
from desktop.services.enrolling import ActivationForm, ActivationRefused, check_form, normalize_code
from desktop.settings import Settings
from desktop.ui.messages import MessageBar
from desktop.ui.widgets import Field, button, card, label
from sync.ledger.events import china_now

INTRO = (
    "激活要用县政务服务管理局发给您的一次性激活码（12 位字母和数字），72 小时内有效，只能用一次。"
    "激活时电脑要能上网；激活以后，没有网络也能照常登记。"
)
RECOVERY_HELP = (
    "恢复码只显示这一次。忘记密码时，只有凭它才能打开台账（台账是加密的，谁也没有别的办法）。"
    "请现在一字不差地抄在纸上，交给乡镇保管；不要存在这台电脑里。"
)
CONFIRM = "我已把恢复码抄在纸上并交给乡镇保管"


class ActivationWindow(QWidget):
    """``activated(Counter)`` once the recovery code was confirmed; ``back`` returns to the login screen."""

    activated = Signal(object)
    back = Signal()

    def __init__(
        self, folder: Path, *, clock: Callable[[], datetime] = china_now, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.folder, self.clock = folder, clock
        self.job = None
        self.counter = None
        self.setObjectName("loginWindow")
        self.setWindowTitle("乡村随身办 · 激活这台电脑")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._form_card())
        self.stack.addWidget(self._recovery_card())
        # the card in a scroll area: a long refusal wrapped at 特大 makes the card as tall as it needs (and the
        # window scrolls if it must), instead of being cut off by a layout that would not grow it
        holder = QWidget()
        column = QVBoxLayout(holder)  # centred while there is room
        column.addStretch(1)
        center = QHBoxLayout()
        center.addStretch(1)
        center.addWidget(self.stack, 4)
        center.addStretch(1)
        column.addLayout(center)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("activationScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(holder)
        outer.addWidget(scroll, 1)
        self.messages = MessageBar()
        outer.addWidget(self.messages)

    def _form_card(self) -> QWidget:
        box = card()
        box.setMaximumWidth(900)
        form = QVBoxLayout(box)
        form.setContentsMargins(32, 20, 32, 20)
        form.setSpacing(6)
        form.addWidget(label("激活这台电脑", "title"))
        form.addWidget(label(INTRO, "muted"))
        settings = Settings.load(self.folder)
        self.server = QLineEdit(settings.get("county_server"), objectName="activationServer")
        self.ca_file = QLineEdit(settings.get("county_ca_file"), objectName="activationCaFile")
        self.ca_file.setPlaceholderText("县里没给就不用填")
        self.code = QLineEdit(objectName="activationCode")
        self.code.setPlaceholderText("例如 K7QX-M2PA-9TRD（大小写、横线都可以不管）")
        self.password = QLineEdit(objectName="activationPassword")
        self.again = QLineEdit(objectName="activationAgain")
        for editor in (self.password, self.again):
            editor.setEchoMode(QLineEdit.EchoMode.Password)
        self.fields = {
            "server": Field("县里服务器地址", self.server),
            "ca_file": Field("县里的证书文件（可不填）", self.ca_file),
            "code": Field("激活码", self.code),
            "password": Field("设置登录密码（至少 6 位）", self.password),
            "again": Field("再输入一次密码", self.again),
        }
        form.addWidget(self.fields["server"])
        trust = QHBoxLayout()
        trust.setSpacing(16)
        trust.addWidget(self.fields["ca_file"], 1, Qt.AlignmentFlag.AlignTop)
        self.ca_button = button("选择…", name="activationCaPick")
        self.ca_button.clicked.connect(self.pick_ca_file)
        trust.addWidget(self.ca_button, 0, Qt.AlignmentFlag.AlignTop)
        form.addLayout(trust)
        form.addWidget(self.fields["code"])
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self.fields["password"], 1)
        row.addWidget(self.fields["again"], 1)
        form.addLayout(row)
        self.status = label("", "muted")
        self.status.setObjectName("activationStatus")
        form.addWidget(self.status)
        buttons = QHBoxLayout()
        self.back_button = button("返回", name="activationBack")
        self.back_button.clicked.connect(self.back)
        self.submit_button = button("激活", "primary", name="activateButton")
        self.submit_button.clicked.connect(self.submit)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        form.addLayout(buttons)
        for editor in (self.server, self.code, self.password, self.again):
            editor.returnPressed.connect(self.submit)
        return box

    def _recovery_card(self) -> QWidget:
        box = card()
        box.setMaximumWidth(900)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(12)
        self.done_title = label("", "title")
        self.done_title.setObjectName("activatedTitle")
        layout.addWidget(self.done_title)
        layout.addWidget(label("您的恢复码：", "heading"))
        self.recovery = label("", "recovery", wrap=False, selectable=True)
        self.recovery.setObjectName("recoveryCode")
        self.recovery.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.recovery)
        layout.addWidget(label(RECOVERY_HELP))
        self.confirm = QCheckBox(CONFIRM, objectName="recoveryConfirm")
        layout.addWidget(self.confirm)
        row = QHBoxLayout()
        row.addStretch(1)
        self.continue_button = button("继续，进入柜台", "primary", name="recoveryContinue")
        self.continue_button.setEnabled(False)
        self.confirm.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self.finish)
        row.addWidget(self.continue_button)
        layout.addLayout(row)
        return box

    def pick_ca_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "选择县里的证书文件", "", "证书文件 (*.pem *.crt *.cer);;所有文件 (*)"
        )
        if chosen:
            self.ca_file.setText(chosen)
            self.fields["ca_file"].set_error("")

    def form(self) -> ActivationForm:
        return ActivationForm(
            self.server.text(), self.code.text(), self.password.text(), self.again.text(), self.ca_file.text()
        )

    def submit(self) -> None:
        if self.job is not None and self.job.running:
            return
        form = self.form()
        errors = check_form(form)
        self.show_errors(errors)
        if errors:
            return
        self.code.setText(normalize_code(form.code))
        self._busy(True)
        self.job = activation_job(self.folder, form, clock=self.clock, parent=self)
        self.job.done.connect(self._activated)
        self.job.failed.connect(self._failed)
        self.job.start()

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, field in self.fields.items():
            field.set_error(errors.get(key, ""))
        for key in ("server", "ca_file", "code", "password", "again"):
            if key in errors:
                self.fields[key].editor.setFocus()
                break

    def _busy(self, busy: bool) -> None:
        self.status.setText("正在连接县里激活，请稍候……" if busy else "")
        for widget in (
            self.submit_button,
            self.back_button,
            self.server,
            self.ca_file,
            self.ca_button,
            self.code,
            self.password,
            self.again,
        ):
            widget.setEnabled(not busy)

    def _activated(self, result) -> None:
        self._busy(False)
        self.counter, done = result
        self.show_recovery(done.recovery_code, done.point_name, done.account_name)

    def show_recovery(self, code: str, point_name: str, account_name: str) -> None:
        self.done_title.setText(f"激活成功：{point_name}" + (f"，代办员 {account_name}" if account_name else ""))
        self.recovery.setText(code)
        self.confirm.setChecked(False)
        self.stack.setCurrentIndex(1)
        self.confirm.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, ActivationRefused):
            self.show_errors(exc.errors)
            return
        if not self.messages.show_failure(exc, doing="激活"):
            raise exc

    def finish(self) -> None:
        if self.counter is not None and self.confirm.isChecked():
            counter, self.counter = self.counter, None
            self.recovery.setText("")  # shown once only
            self.activated.emit(counter)
