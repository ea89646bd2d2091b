"""The counter's background jobs: unlocking at login, preparing the practice ledger, backups and the day close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QObject

from desktop.jobs.runner import Job
from desktop.services import practice
from desktop.services.login import LoginThrottle, attempt
from desktop.services.session import Counter
from sync.ledger.events import china_now


def login_job(folder: Path, password: str, throttle: LoginThrottle, *, training_mode: bool,
              clock: Callable[[], datetime] = china_now, parent: QObject | None = None) -> Job:
    """Argon2id and the integrity check take a moment: done off the UI thread; ``done`` carries a LoginOutcome."""
    return Job("login", lambda: attempt(folder, password, throttle, training=training_mode, clock=clock), parent)


def prepare_training_job(folder: Path, today: date, parent: QObject | None = None) -> Job:
    return Job("prepare-training", lambda: practice.prepare(folder, today), parent)


def backup_job(counter: Counter, parent: QObject | None = None) -> Job:
    return Job("backup", lambda: counter.store.backup("manual"), parent)


def close_day_job(counter: Counter, day: date, parent: QObject | None = None) -> Job:
    """Records the day close and makes the checked backup (LedgerStore.close_day)."""
    return Job("close-day", lambda: counter.store.close_day(day), parent)
