"""The counter's background jobs: login, activation, the practice ledger and county, backups, day close, sync file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QObject

from desktop.jobs.runner import Job
from desktop.services import practice, retention
from desktop.services.login import LoginThrottle, attempt
from desktop.services.session import Counter
from sync.ledger.events import china_now


def login_job(
    folder: Path,
    password: str,
    throttle: LoginThrottle,
    *,
    training_mode: bool,
    clock: Callable[[], datetime] = china_now,
    parent: QObject | None = None,
) -> Job:
    """Argon2id and the integrity check take a moment: done off the UI thread; ``done`` carries a LoginOutcome."""
    return Job("login", lambda: attempt(folder, password, throttle, training=training_mode, clock=clock), parent)


def prepare_training_job(folder: Path, today: date, parent: QObject | None = None, *, county: bool = True) -> Job:
    """Starts the practice county and enrols the practice ledger with it (offline if it will not start, or
    when ``county`` is False); ``done`` carries a PracticeSetup."""
    if not county:
        return Job(
            "prepare-training", lambda: practice.PracticeSetup(None, "", practice.prepare(folder, today)), parent
        )
    return Job("prepare-training", lambda: practice.prepare_with_sandbox(folder, today), parent)


def activation_job(
    folder: Path, form, *, clock: Callable[[], datetime] = china_now, parent: QObject | None = None
) -> Job:
    """Enrol with the county and create the ledger; ``done`` carries (Counter, Activated)."""
    from desktop.services.enrolling import activate_counter

    return Job("activate", lambda: activate_counter(folder, form, clock=clock), parent)


def export_sync_job(counter: Counter, path: Path, parent: QObject | None = None) -> Job:
    """Write the signed sync file (同步文件) for the USB stick; ``done`` carries how many records it holds."""
    from desktop.services.sync_file import export_pending

    return Job("export-sync", lambda: export_pending(counter.store, path), parent)


def integrity_job(counter: Counter, parent: QObject | None = None) -> Job:
    """The whole-file check (台账自检) the open left for later; ``failed`` carries StoreDamaged if it found damage."""
    return Job("check-integrity", counter.store.check_integrity, parent)


def backup_job(counter: Counter, parent: QObject | None = None) -> Job:
    return Job("backup", lambda: counter.store.backup("manual"), parent)


def close_day_job(counter: Counter, day: date, parent: QObject | None = None) -> Job:
    """Purges personal data past its retention time, records the day close and makes the checked backup."""
    return Job("close-day", lambda: retention.close_day(counter, day), parent)
