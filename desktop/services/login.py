"""Logging in offline: unlock the local store with the agent's password, slowing down repeated failures.

Light to import (the login window needs it at start): the store, SQLAlchemy and the key derivation are
imported only when a password is tried, off the UI thread.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.store.layout import StoreLayout
from sync.clock import current
from sync.ledger.events import china_now

if TYPE_CHECKING:
    from desktop.services.session import Counter

log = logging.getLogger(__name__)

FREE_TRIES = 3  # wrong passwords allowed before the wait starts
FIRST_WAIT_S = 5
MAX_WAIT_S = 300
STATE_FILE = "login-throttle.json"


class LoginRefused(Exception):
    """The store could not be opened; ``message`` is plain Chinese for the login screen."""

    def __init__(self, message: str, *, wrong_password: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.wrong_password = wrong_password


def store_exists(folder: Path) -> bool:
    return StoreLayout(folder).keyring.exists()


def wait_after(failures: int) -> int:
    """Seconds to wait after this many wrong passwords in a row: 0, 0, 0, 5, 10, 20, … up to 5 minutes."""
    if failures <= FREE_TRIES:
        return 0
    return min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (failures - FREE_TRIES - 1))


class LoginThrottle:
    """Counts wrong passwords in a row; kept in the data folder so restarting the app does not reset it."""

    def __init__(self, folder: Path | None, clock: Callable[[], float] | None = None) -> None:
        self._path = folder / STATE_FILE if folder else None
        self._clock = clock or (lambda: current().timestamp())
        self.failures, self._until = 0, 0.0
        if self._path and self._path.exists():
            try:
                data = json.loads(self._path.read_text(encoding="utf-8"))
                self.failures, self._until = int(data["failures"]), float(data["until"])
            except (OSError, ValueError, KeyError, TypeError):
                log.warning("login throttle file unreadable; starting from zero")

    def remaining(self) -> int:
        """Whole seconds still to wait before the next try (0: may try now)."""
        return max(0, int(self._until - self._clock() + 0.999))

    def failed(self) -> int:
        self.failures += 1
        self._until = self._clock() + wait_after(self.failures)
        self._save()
        return self.remaining()

    def succeeded(self) -> None:
        self.failures, self._until = 0, 0.0
        if self._path:
            self._path.unlink(missing_ok=True)

    def _save(self) -> None:
        if self._path and self._path.parent.exists():
            self._path.write_text(json.dumps({"failures": self.failures, "until": self._until}), encoding="utf-8")


def unlock_counter(
    folder: Path, password: str, *, training: bool = False, clock: Callable[[], datetime] = china_now
) -> Counter:
    """Open the store (restoring it from a backup if it is damaged); every refusal is a LoginRefused."""
    from desktop.services.session import Counter
    from desktop.settings import Settings
    from desktop.store.engine import StoreOpenError
    from desktop.store.faults import StoreUnavailable
    from desktop.store.keys import KeyRingError, WrongSecret
    from desktop.store.migrations import StoreTooNew
    from desktop.store.opening import open_store
    from desktop.store.recovery import StoreUnrecoverable
    from sync.ledger.catalogue import CatalogueError

    try:
        store, report = open_store(folder, password)
    except WrongSecret as exc:
        raise LoginRefused("密码不对，请重新输入。", wrong_password=True) from exc
    except (KeyRingError, StoreTooNew, StoreUnrecoverable) as exc:
        raise LoginRefused(str(exc)) from exc
    except StoreUnavailable as exc:  # a full disk, an I/O error: nothing moved, the next try opens it
        raise LoginRefused(exc.message) from exc
    except StoreOpenError as exc:
        raise LoginRefused("台账文件打不开，已保持原样没有改动。请联系乡镇或县政务服务管理局。") from exc
    from desktop.services.catalogue import current_catalogue
    from desktop.services.syncing import lock_message

    try:
        catalogue = current_catalogue(store)  # the newest of the shipped one and those the county published
    except CatalogueError as exc:
        store.close()
        raise LoginRefused(str(exc)) from exc
    counter = Counter(store, catalogue, Settings.load(folder), training=training, report=report, clock=clock)
    counter.locked = lock_message(counter)
    return counter


@dataclass(frozen=True)
class LoginOutcome:
    counter: Counter | None
    message: str = ""
    wait_s: int = 0
    failures: int = 0


def attempt(
    folder: Path,
    password: str,
    throttle: LoginThrottle,
    *,
    training: bool = False,
    clock: Callable[[], datetime] = china_now,
) -> LoginOutcome:
    """One press of 登录: refuses early while the wait runs, counts wrong passwords, clears them on success."""
    if (left := throttle.remaining()) > 0:
        return LoginOutcome(None, f"请等 {left} 秒后再试。", left, throttle.failures)
    if not password:
        return LoginOutcome(None, "请输入密码。", 0, throttle.failures)
    try:
        counter = unlock_counter(folder, password, training=training, clock=clock)
    except LoginRefused as exc:
        if not exc.wrong_password:
            return LoginOutcome(None, exc.message, 0, throttle.failures)
        wait = throttle.failed()
        message = f"密码不对，请重新输入（已连续输错 {throttle.failures} 次）。"
        if wait:
            message += f"为保护台账，请等 {wait} 秒再试。"
        return LoginOutcome(None, message, wait, throttle.failures)
    throttle.succeeded()
    from desktop.services.items import index_for

    index_for(counter.catalogue)  # pypinyin's tables load here, off the UI thread, before the main window
    return LoginOutcome(counter)
