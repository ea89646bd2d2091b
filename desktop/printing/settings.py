"""Printing settings, declared once as data (key, default, label, help) for the settings page and the docs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from desktop.printing.papers import PAPERS

DEFAULT_QUERY_URL_BASE = "https://zwfw.fuliang.gov.cn/ssb/q"
HOTLINE = "12345"


@dataclass(frozen=True)
class Setting:
    key: str
    default: str
    label: str
    help: str


SETTINGS = (
    Setting(
        "printing.query_url_base", DEFAULT_QUERY_URL_BASE, "办件查询网址",
        "回执上二维码打开的查询页面。真实地址在设备开通时由县政务服务管理局下发，请不要自行修改。",
    ),
    Setting(
        "printing.paper", "roll80", "默认纸张",
        "店里打印机用的纸：a4（A4 纸）、a5（A5 纸）、roll80（80 毫米卷纸）或 roll58（58 毫米卷纸）。",
    ),
)
DEFAULTS = {setting.key: setting.default for setting in SETTINGS}


@dataclass(frozen=True)
class PrintSettings:
    """What the documents need from the settings and the enrolment.

    ``check_key`` is the point's county-issued key for receipt check codes (see check_code.py); it is
    not a setting anyone types. Without it the receipt prints no QR code, only the hotline and the
    receipt number. ``training`` marks every document as practice.
    """

    query_url_base: str = DEFAULT_QUERY_URL_BASE
    paper: str = "roll80"
    check_key: bytes | None = None
    training: bool = False

    @classmethod
    def from_values(cls, values: Mapping[str, str], *, check_key: bytes | None = None,
                    training: bool = False) -> PrintSettings:
        """Settings from stored values; unknown keys are ignored, missing ones take their defaults."""
        merged = {**DEFAULTS, **{key: value for key, value in values.items() if key in DEFAULTS and value}}
        paper = merged["printing.paper"] if merged["printing.paper"] in PAPERS else DEFAULTS["printing.paper"]
        return cls(merged["printing.query_url_base"], paper, check_key, training)
