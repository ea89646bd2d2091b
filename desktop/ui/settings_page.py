"""Settings (设置): built from the declaration in desktop/settings.py, plus backup now and about."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.jobs.tasks import backup_job
from desktop.services import evidence, retention
from desktop.services.certificates import ca_file_problem
from desktop.services.session import Counter
from desktop.settings import SETTINGS, TEXT_POINTS, Setting
from desktop.ui.messages import MessageBar
from desktop.ui.widgets import button, card, label
from desktop.version import app_version


def printer_names() -> list[str]:
    try:
        from PySide6.QtPrintSupport import QPrinterInfo
    except ImportError:  # a Qt build without printing
        return []
    return list(QPrinterInfo.availablePrinterNames())


class SettingsPage(QWidget):
    """Each change is saved at once; a new text size is applied to every screen straight away, and ``changed``
    (the setting's key) lets other screens follow a change (the scan folder's watcher) without a restart."""

    changed = Signal(str)

    def __init__(self, counter: Counter, messages: MessageBar, on_text_size, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter, self.messages, self.on_text_size = counter, messages, on_text_size
        self.job = None
        self.editors: dict[str, object] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()  # at 特大 the settings and their help are taller than the screen
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        scroll.setWidget(content)
        outer.addWidget(scroll)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 12, 0)
        box = card()
        grid = QGridLayout(box)
        for row, setting in enumerate(SETTINGS):
            grid.addWidget(label(setting.label + "：", "heading", wrap=False), row * 2, 0)
            grid.addWidget(self._editor(setting), row * 2, 1)
            grid.addWidget(label(setting.help, "muted"), row * 2 + 1, 1)
        self.purge_note = label(retention.describe(counter), "muted")
        self.purge_note.setObjectName("purgeNote")
        grid.addWidget(self.purge_note, len(SETTINGS) * 2, 1)
        grid.setColumnStretch(1, 1)
        layout.addWidget(box)
        actions = QHBoxLayout()
        self.backup_button = button("立即备份台账", "primary", name="backupNow")
        self.backup_button.clicked.connect(self.backup_now)
        actions.addWidget(self.backup_button)
        self.backup_status = label("", wrap=False)
        actions.addWidget(self.backup_status, 1)
        layout.addLayout(actions)
        identity = counter.identity
        self.about = label(
            f"关于：乡村随身办 柜台端 版本 {app_version()}；代办点编号 {identity.point_code}，本机第 {identity.device_no} 台；"
            f"事项清单 {counter.catalogue.version} 版；台账文件夹 {counter.folder}",
            "muted",
            selectable=True,
        )
        self.about.setObjectName("about")
        layout.addWidget(self.about)
        layout.addStretch(1)

    def refresh(self) -> None:
        """Shown again: the purge note may have changed with a day close."""
        self.purge_note.setText(retention.describe(self.counter))

    def _editor(self, setting: Setting) -> QWidget:
        current = self.counter.settings.get(setting.key)
        if setting.choices:
            holder = QWidget()
            row = QHBoxLayout(holder)
            row.setContentsMargins(0, 0, 0, 0)
            group = QButtonGroup(holder)
            for choice in setting.choices:
                radio = QRadioButton(choice.label, objectName=f"{setting.key}_{choice.value}")
                radio.setChecked(choice.value == current)
                radio.toggled.connect(lambda on, s=setting, v=choice.value: on and self.change(s.key, v))
                group.addButton(radio)
                row.addWidget(radio)
            row.addStretch(1)
            self.editors[setting.key] = group
            return holder
        if setting.kind == "url":
            line = QLineEdit(current, objectName=setting.key)
            line.editingFinished.connect(
                lambda s=setting, e=line: (
                    e.text().strip() != self.counter.settings.get(s.key) and self.change(s.key, e.text().strip())
                )
            )
            self.editors[setting.key] = line
            return line
        if setting.kind in ("file", "folder"):
            return self._file_editor(setting, current)
        box = QComboBox(objectName=setting.key)
        box.addItem("电脑的默认打印机", "")
        for name in printer_names():
            box.addItem(name, name)
        if current and box.findData(current) < 0:
            box.addItem(f"{current}（现在找不到）", current)
        box.setCurrentIndex(max(0, box.findData(current)))
        box.currentIndexChanged.connect(lambda _i, s=setting, b=box: self.change(s.key, b.currentData()))
        self.editors[setting.key] = box
        return box

    def _file_editor(self, setting: Setting, current: str) -> QWidget:
        """A file's or folder's path, picked with the system's file dialog or cleared; checked before it is kept."""
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        line = QLineEdit(current, objectName=setting.key, readOnly=True)
        line.setPlaceholderText(setting.empty_label)
        pick, clear = button("选择…", name=f"{setting.key}_pick"), button("不用", name=f"{setting.key}_clear")
        pick.clicked.connect(
            lambda: self.choose_folder(setting.key) if setting.kind == "folder" else self.choose_file(setting.key)
        )
        clear.clicked.connect(lambda: self.change(setting.key, ""))
        row.addWidget(line, 1)
        row.addWidget(pick)
        row.addWidget(clear)
        self.editors[setting.key] = line
        return holder

    def choose_file(self, key: str) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "选择县里的证书文件", "", "证书文件 (*.pem *.crt *.cer);;所有文件 (*)"
        )
        if chosen:
            self.change(key, chosen)

    def choose_folder(self, key: str) -> None:
        current = self.counter.settings.get(key)
        start = current if current and Path(current).is_dir() else str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "选择扫描仪或手机存图片的文件夹", start)
        if chosen:
            self.change(key, chosen)

    def change(self, key: str, value: str) -> None:
        checks = {"county_ca_file": ca_file_problem, evidence.SCAN_FOLDER: evidence.scan_folder_problem}
        problem = checks[key](value) if key in checks else None
        if problem:
            self.messages.show_message(problem, warning=True)
            return
        try:
            self.counter.settings.set(key, value)
        except ValueError as exc:
            self.messages.show_message(f"{exc}没有保存。", warning=True)
            return
        except OSError as exc:
            if not self.messages.show_failure(exc, doing="保存设置"):
                self.messages.show_message("设置没有保存成功（文件写不进去），软件照常可用，请稍后再试。", warning=True)
            return
        if isinstance(editor := self.editors.get(key), QLineEdit) and editor.text() != value:
            editor.setText(value)
        if key == "text_size":
            self.on_text_size(TEXT_POINTS[value])
        if key == retention.SETTING:
            self.refresh()
        self.messages.show_message("设置已保存。")
        self.changed.emit(key)

    def backup_now(self) -> None:
        if self.job is not None and self.job.running:
            return
        self.backup_button.setEnabled(False)
        self.backup_status.setText("正在备份，请稍候……")
        self.job = backup_job(self.counter, self)
        self.job.done.connect(self._backed_up)
        self.job.failed.connect(self._failed)
        self.job.start()

    def _backed_up(self, info) -> None:
        self.backup_button.setEnabled(True)
        self.backup_status.setText(f"已备份：{info.path.name}（检查无误）")

    def _failed(self, exc: BaseException) -> None:
        self.backup_button.setEnabled(True)
        self.backup_status.setText("这次没有备份成功。")
        if not self.messages.show_failure(exc, doing="备份"):
            raise exc
