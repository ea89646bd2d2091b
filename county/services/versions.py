"""The lowest counter version the county accepts (最低版本): older counters are told to update, with 426.

Versions are compared as version numbers (PEP 440, as the package metadata writes them: 0.10.0 is newer
than 0.9.2, 0.2.0rc1 older than 0.2.0), never as strings. A version that cannot be read is refused as too
old while a minimum is set. With no minimum set (the default), every version is accepted.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from county.errors import CountyError, Refusal

OUTDATED_CODE = "app_outdated"


def parse_minimum(text: str) -> Version | None:
    """The configured minimum; None when unset. ValueError (with a Chinese message) for one that is not a version."""
    if not text.strip():
        return None
    try:
        return Version(text.strip())
    except InvalidVersion as exc:
        raise ValueError(f"SUISHENBAN_COUNTY_MIN_APP_VERSION 不是版本号：{text!r}（应如 0.2.0）") from exc


class Outdated(CountyError):
    """A counter older than the county accepts: 426 with the minimum, so the counter can say what to install."""

    def __init__(self, app_version: str, minimum: str, update_url: str = ""):
        where = (
            f"可以从 {update_url} 下载新版安装程序，也可以向乡镇或县政务服务管理局要（U 盘拷贝）"
            if update_url
            else "请向乡镇或县政务服务管理局要新版安装程序（U 盘拷贝或下载地址）"
        )
        super().__init__(
            Refusal.OUTDATED,
            OUTDATED_CODE,
            f"这台电脑上的柜台软件版本太旧（{app_version or '未知'}），"
            f"县里现在只接收 {minimum} 或更新版本的同步。"
            f"{where}，直接安装在旧版上即可，台账数据不受影响。升级前照常登记、打印，记录都保存在本机，不会丢失；"
            "装好新版后会自动接着同步。",
        )
        self.min_app_version = minimum

    def body(self) -> dict:
        body = super().body()
        body["error"]["min_app_version"] = self.min_app_version
        return body


def require_supported(app_version: str | None, minimum: str, *, update_url: str = "") -> None:
    """Raise Outdated unless ``app_version`` is at least ``minimum`` (an unset minimum accepts everything)."""
    floor = parse_minimum(minimum)
    if floor is None:
        return
    try:
        if app_version is not None and Version(app_version) >= floor:
            return
    except InvalidVersion:
        pass
    raise Outdated(app_version or "", str(floor), update_url)
