"""The login window (登录): the agent's password unlocks the local ledger, offline; failures slow down."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.jobs.tasks import login_job, prepare_training_job
from desktop.services.login import LoginOutcome, LoginThrottle, store_exists
from desktop.services.practice import PASSWORD as TRAINING_PASSWORD
from desktop.ui.messages import MessageBar
from desktop.ui.widgets import button, card, label, training_banner
from sync.ledger.events import china_now


class LoginWindow(QWidget):
    """Emits ``unlocked(Counter)``; on a machine without a ledger, ``wants_activation`` or ``wants_training``.

    In training mode it first starts the practice county (``sandbox_started(TrainingSandbox)``: the owner stops
    it on exit) and enrols the practice ledger with it; without it, practice goes on offline.
    """

    unlocked = Signal(object)
    wants_training = Signal()
    wants_activation = Signal()
    sandbox_started = Signal(object)

    def __init__(
        self,
        folder: Path,
        *,
        training: bool,
        clock: Callable[[], datetime] = china_now,
        practice_county: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.folder, self.training, self.clock = folder, training, clock
        self.practice_county = practice_county
        self.throttle = LoginThrottle(folder if folder.exists() else None)
        self._job = None
        self.training_note = ""
        self.setWindowTitle("乡村随身办 · 代办员登录" + ("（培训模式）" if training else ""))
        self.setObjectName("loginWindow")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        if training:
            outer.addWidget(training_banner())
        outer.addStretch(1)
        box = card()
        box.setMaximumWidth(720)
        form = QVBoxLayout(box)
        form.setContentsMargins(36, 28, 36, 28)
        form.setSpacing(12)
        form.addWidget(label("乡村随身办", "huge"))
        form.addWidget(label("浮梁县代办点柜台 · 没有网络也能用", "muted"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("请输入代办员密码")
        self.password.returnPressed.connect(self.submit)
        self.login_button = button("登录", "primary", name="loginButton")
        self.login_button.clicked.connect(self.submit)
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.login_button)
        self.prompt = label("代办员密码：")
        form.addWidget(self.prompt)
        form.addLayout(row)
        self.status = label("", "error")
        self.status.setObjectName("loginStatus")
        form.addWidget(self.status)
        self.hint = label("", "muted")
        form.addWidget(self.hint)
        first_run = QHBoxLayout()
        self.activate_button = button("激活这台电脑", "primary", name="activateThisPc")
        self.activate_button.clicked.connect(self.wants_activation)
        self.practice = button("先用培训模式练习", name="practiceButton")
        self.practice.clicked.connect(self.wants_training)
        first_run.addWidget(self.activate_button)
        first_run.addWidget(self.practice)
        first_run.addStretch(1)
        form.addLayout(first_run)
        center = QHBoxLayout()
        center.addStretch(1)
        center.addWidget(box, 3)
        center.addStretch(1)
        outer.addLayout(center)
        outer.addStretch(2)
        self.messages = MessageBar()
        outer.addWidget(self.messages)
        self._countdown = QTimer(self, interval=1000, timeout=self._tick)
        self._setup()

    def _setup(self) -> None:
        self.practice.hide()
        self.activate_button.hide()
        if self.training:
            self.hint.setText(f"练习密码是 {TRAINING_PASSWORD}")
            if not self.practice_county and store_exists(self.folder):
                self._ready()
                return
            first = "正在准备练习台账" if not store_exists(self.folder) else "正在打开练习台账"
            self._busy(f"{first}和培训用的县级端，请稍候……" if self.practice_county else f"{first}，请稍候……")
            self._job = prepare_training_job(self.folder, self.clock().date(), self, county=self.practice_county)
            self._job.done.connect(self._training_ready)
            self._job.failed.connect(self._failed)
            self._job.start()
            return
        if not store_exists(self.folder):
            self.prompt.setText("这台电脑还没有开通代办点台账。")
            self.hint.setText(
                "请用县政务服务管理局发的激活码激活这台电脑（要能上网）。还没拿到激活码，"
                "可以先用培训模式练习，练习数据不会上报。"
            )
            self.password.hide()
            self.login_button.hide()
            self.status.hide()
            self.activate_button.show()
            self.practice.show()
            self.activate_button.setFocus()
            return
        self._ready()

    def _training_ready(self, setup) -> None:
        self.training_note = setup.note
        if setup.sandbox is not None:
            self.sandbox_started.emit(setup.sandbox)
        self._ready()

    def _busy(self, text: str) -> None:
        self.status.setProperty("role", "muted")
        self.status.setText(text)
        self.password.setEnabled(False)
        self.login_button.setEnabled(False)

    def _ready(self) -> None:
        self.status.setProperty("role", "error")
        self.status.setText("")
        if (left := self.throttle.remaining()) > 0:
            self._start_countdown(left)
            return
        self.password.setEnabled(True)
        self.login_button.setEnabled(True)
        self.password.setFocus()

    def submit(self) -> None:
        if (self._job is not None and self._job.running) or not self.login_button.isEnabled():
            return
        if not self.password.text():
            self.status.setText("请输入密码。")
            return
        self._busy("正在打开台账……")
        self._job = login_job(
            self.folder, self.password.text(), self.throttle, training_mode=self.training, clock=self.clock, parent=self
        )
        self._job.done.connect(self._outcome)
        self._job.failed.connect(self._failed)
        self._job.start()

    def _outcome(self, outcome: LoginOutcome) -> None:
        if outcome.counter is not None:
            self.status.setText("")
            outcome.counter.training_note = self.training_note
            self.unlocked.emit(outcome.counter)
            return
        self._ready()
        self.status.setText(outcome.message)
        self.password.selectAll()
        if outcome.wait_s:
            self._start_countdown(outcome.wait_s, outcome.message)

    def _failed(self, exc: BaseException) -> None:
        self._ready()
        if not self.messages.show_failure(exc, doing="打开台账"):
            raise exc

    def _start_countdown(self, seconds: int, message: str = "") -> None:
        self._lead = message.split("为保护台账")[0] if message else "密码已连续输错多次。"
        self.password.setEnabled(False)
        self.login_button.setEnabled(False)
        self._countdown.start()
        self._tick()

    def _tick(self) -> None:
        left = self.throttle.remaining()
        if left <= 0:
            self._countdown.stop()
            self.status.setText(self._lead + "现在可以再试一次。")
            self.login_button.setText("登录")
            self.password.setEnabled(True)
            self.login_button.setEnabled(True)
            self.password.setFocus()
            return
        self.status.setText(f"{self._lead}为保护台账，请等 {left} 秒再试。")
        self.login_button.setText(f"请等 {left} 秒")
