"""Sorting failures at the boundary: known ones (disk full, database locked, printer offline) get a calm message."""

from __future__ import annotations

import errno
from dataclasses import dataclass

from desktop.services.session import CounterLocked
from desktop.store.faults import StoreUnavailable
from desktop.store.recovery import StoreDamaged


@dataclass(frozen=True)
class KnownFailure:
    """A failure the user can act on; ``message`` says what happened, whether anything was lost, what to do."""

    kind: str
    message: str


_NOT_SAVED = "这次没有保存，已保存的记录都在，您填写的内容也还在窗口里。"


def _texts(exc: BaseException) -> str:
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append(f"{type(exc).__name__} {exc}".lower())
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return " ".join(parts)


def classify(exc: BaseException, *, doing: str = "保存") -> KnownFailure | None:
    """A KnownFailure for failures of the machine (not bugs); None means a bug for the crash dialog."""
    not_done = _NOT_SAVED.replace("保存", doing, 1)
    if isinstance(exc, CounterLocked):
        return KnownFailure("stopped", f"县里已停用本代办点的柜台软件，不能再登记新的记录。已保存的记录都在本机。{exc}")
    if isinstance(exc, StoreUnavailable):
        return KnownFailure(exc.kind, exc.message)
    if isinstance(exc, StoreDamaged):
        return KnownFailure(
            "damaged",
            "台账文件自检发现了问题。已保存的办件不会丢失：请把手头这一笔办完，然后关闭软件再重新打开，"
            "软件会自动从备份恢复，并告诉您恢复的结果。",
        )
    text = _texts(exc)
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "disk is full" in text or "no space left" in text:
        return KnownFailure("disk_full", f"电脑磁盘已满，{not_done}请删除不用的文件（或请人帮忙清理）后再试。")
    if "database is locked" in text or "database is busy" in text:
        return KnownFailure("locked", f"台账正被另一个程序占用，{not_done}请关掉多开的“乡村随身办”窗口后再试。")
    if isinstance(exc, PermissionError) or "readonly database" in text or "read-only" in text:
        return KnownFailure("read_only", f"台账文件不能写入（可能被设为只读或没有权限），{not_done}请联系技术人员。")
    if getattr(exc, "connection_invalidated", False):
        return KnownFailure("disconnected", f"台账连接中断，{not_done}请重新打开软件后再试。")
    if "printer" in text and ("offline" in text or "not ready" in text or "not found" in text):
        return KnownFailure(
            "printer", "打印机没有连接或没开机，办件已经保存好了，没有丢失。请检查打印机后在台账里补打回执。"
        )
    return None
