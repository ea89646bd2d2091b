"""The counter's settings, declared once as data (key, default, label, help, choices) and kept in a small JSON file."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sync.tls import address_problem

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Setting:
    """One setting: the settings page and docs/counter-app.md are both built from these."""

    key: str
    default: str
    label: str
    help: str
    choices: tuple[Choice, ...] = ()  # empty: free text, edited as ``kind`` says
    empty_label: str = "（未选择）"
    kind: str = "choice"  # choice | printer (the system's list) | url (typed) | file, folder (a path, or none)

    def problem(self, value: object) -> str | None:
        """Why ``value`` cannot be this setting's value (in Chinese), or None."""
        if not isinstance(value, str):
            return f"{self.label}不能设为这个值。"
        if self.kind == "url":
            return address_problem(value)  # https, or http to this machine only (sync/tls.py)
        if self.kind in ("file", "folder") or not self.choices or value in {choice.value for choice in self.choices}:
            return None
        return f"{self.label}不能设为“{value}”。"

    def accepts(self, value: object) -> bool:
        return self.problem(value) is None

    def label_of(self, value: str) -> str:
        return next((choice.label for choice in self.choices if choice.value == value), value or self.empty_label)


TEXT_SIZES = (Choice("standard", "标准"), Choice("large", "大"), Choice("xlarge", "特大"))
# Base text size in points for each choice; every screen is checked at 1366×768 in all three.
TEXT_POINTS = {"standard": 14, "large": 16, "xlarge": 18}
DEFAULT_COUNTY_SERVER = "https://ssb.fuliang.gov.cn"

SETTINGS: tuple[Setting, ...] = (
    Setting("text_size", "standard", "文字大小", "看不清时选“大”或“特大”，所有页面都会跟着变大。", TEXT_SIZES),
    Setting(
        "printer",
        "",
        "打印机",
        "打印回执、寄递交接单和日结单用的打印机；不选就用电脑的默认打印机。",
        empty_label="电脑的默认打印机",
        kind="printer",
    ),
    Setting(
        "paper",
        "roll80",
        "纸张",
        "按打印机里装的纸选：小票打印机一般是 80 毫米或 58 毫米，普通打印机是 A4 或 A5。",
        (
            Choice("a4", "A4 纸"),
            Choice("a5", "A5 纸"),
            Choice("roll80", "80 毫米小票"),
            Choice("roll58", "58 毫米小票"),
        ),
    ),
    Setting(
        "print_preview",
        "on",
        "打印前预览",
        "先看一看打出来的样子再按“打印”，也可以在预览里“保存为 PDF”；用熟了可以选“直接打印”。",
        (Choice("on", "先预览"), Choice("off", "直接打印")),
    ),
    Setting(
        "county_server",
        DEFAULT_COUNTY_SERVER,
        "县里服务器地址",
        "激活这台电脑时预先填好的地址，由县政务服务管理局告知，一般不用改；激活以后，同步用激活时填写的地址。",
        kind="url",
    ),
    Setting(
        "county_ca_file",
        "",
        "县里的证书文件",
        "县里用自己的安全证书时，县里会随安装程序或激活单给一个证书文件（以 .pem、.crt 或 .cer 结尾），在这里选上；"
        "县里已经把证书装进这台电脑的，不用选。同步时始终检查县里服务器的证书，没有关掉检查的办法。",
        empty_label="不用",
        kind="file",
    ),
    Setting(
        "scan_folder",
        "",
        "扫描件文件夹",
        "扫描仪或手机存图片的文件夹。选好以后，打开一笔办件时，这个文件夹里新存的图片会提示出来，"
        "添加材料影像时点一下就能选上；不选就用上次选图片的那个文件夹。",
        empty_label="不选（用上次选图片的文件夹）",
        kind="folder",
    ),
    Setting(
        "personal_data_days",
        "180",
        "个人信息保存期限",
        "群众的姓名、身份证号、手机号和寄递地址在本机保存多久（从办理那天算）。到期后在日结时清除，"
        "只清除县里已经收到的记录；办件本身、积分和防篡改校验都还在，县里保存完整记录。",
        (Choice("90", "3 个月"), Choice("180", "6 个月"), Choice("365", "1 年"), Choice("730", "2 年")),
    ),
)
BY_KEY = {setting.key: setting for setting in SETTINGS}


class Settings:
    """Current values, read from and written to ``settings.json`` in the data folder (atomically)."""

    def __init__(self, folder: Path | None, values: dict[str, str] | None = None) -> None:
        self.folder = folder
        self._values = {setting.key: setting.default for setting in SETTINGS}
        self._values.update(values or {})

    @classmethod
    def load(cls, folder: Path | None) -> Settings:
        """Values from the file; a missing, damaged or odd file falls back to the defaults, value by value."""
        values: dict[str, str] = {}
        if folder is not None:
            try:
                raw = json.loads((folder / FILE_NAME).read_text(encoding="utf-8"))
            except FileNotFoundError:
                raw = {}
            except (OSError, ValueError) as exc:
                log.warning("settings file unreadable, using defaults: %s", type(exc).__name__)
                raw = {}
            if isinstance(raw, dict):
                values = {key: value for key, value in raw.items() if key in BY_KEY and BY_KEY[key].accepts(value)}
        return cls(folder, values)

    def get(self, key: str) -> str:
        return self._values[BY_KEY[key].key]

    def set(self, key: str, value: str) -> None:
        setting = BY_KEY[key]
        problem = setting.problem(value)
        if problem:
            raise ValueError(problem)
        self._values[key] = value
        self.save()

    def save(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps(self._values, ensure_ascii=False, indent=1).encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.folder / FILE_NAME)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @property
    def text_points(self) -> int:
        return TEXT_POINTS[self.get("text_size")]


def docs_table() -> str:
    """The settings as a Markdown table, for docs/counter-app.md (a test keeps the two in step)."""
    lines = ["| 设置 | key | 默认 | 可选 | 说明 |", "|---|---|---|---|---|"]
    for s in SETTINGS:
        options = (
            "、".join(choice.label for choice in s.choices)
            or {"printer": "本机的打印机", "url": "网址（https://）", "file": "证书文件", "folder": "文件夹"}[s.kind]
        )
        lines.append(f"| {s.label} | `{s.key}` | {s.label_of(s.default)} | {options} | {s.help} |")
    return "\n".join(lines)
