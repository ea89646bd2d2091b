"""What printing needs beyond the ledger: the enrolment's query address and check-code key, declared as data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_QUERY_URL_BASE = "https://zwfw.fuliang.gov.cn/ssb/q"
HOTLINE = "12345"


@dataclass(frozen=True)
class Setting:
    key: str
    default: str
    label: str
    help: str


# Kept in the ledger's meta table, written at enrolment; the counter's own settings (printer, paper) are
# declared in desktop/settings.py.
SETTINGS = (
    Setting(
        "printing.query_url_base",
        DEFAULT_QUERY_URL_BASE,
        "办件查询网址",
        "回执上二维码打开的查询页面。真实地址在设备开通时由县政务服务管理局下发，请不要自行修改。",
    ),
)
DEFAULTS = {setting.key: setting.default for setting in SETTINGS}


@dataclass(frozen=True)
class PrintSettings:
    """What the documents need from the enrolment.

    ``check_key`` is the point's county-issued key for receipt check codes (see check_code.py); it is
    not a setting anyone types. Without it the receipt prints no QR code, only the hotline and the
    receipt number. ``training`` marks every document as practice.
    """

    query_url_base: str = DEFAULT_QUERY_URL_BASE
    check_key: bytes | None = None
    training: bool = False

    @classmethod
    def from_values(
        cls, values: Mapping[str, str], *, check_key: bytes | None = None, training: bool = False
    ) -> PrintSettings:
        """Settings from stored values; unknown keys are ignored, missing or empty ones take their defaults."""
        merged = {**DEFAULTS, **{key: value for key, value in values.items() if key in DEFAULTS and value}}
        return cls(merged["printing.query_url_base"], check_key, training)
