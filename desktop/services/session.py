"""The counter session (柜台会话): one unlocked ledger with its catalogue, clock and settings, handed to every screen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.settings import Settings
from sync.ledger.events import EventDraft, china_now, format_time

if TYPE_CHECKING:
    from desktop.store.ledger import Identity, LedgerStore
    from desktop.store.opening import OpenReport
    from sync.ledger.catalogue import Catalogue


class CounterLocked(Exception):
    """The county stopped this point, device or account: nothing new may be recorded (the data stays)."""


@dataclass
class Counter:
    """Everything a screen needs, passed in through constructors (no global registry)."""

    store: LedgerStore
    catalogue: Catalogue
    settings: Settings
    training: bool = False
    report: OpenReport | None = None
    clock: Callable[[], datetime] = field(default=china_now)
    training_note: str = ""  # training mode without its practice county: why, shown on the sync page
    locked: str = ""  # the county's message once it stopped this counter; set at login and by sync

    @property
    def folder(self) -> Path:
        return self.store.layout.folder

    @property
    def identity(self) -> Identity:
        return self.store.identity

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()

    def stamp(self, *drafts: EventDraft) -> tuple[EventDraft, ...]:
        """The drafts with the session clock's time, so tests and screenshots can pin the day."""
        at = format_time(self.clock())
        return tuple(replace(draft, occurred_at=at) for draft in drafts)

    def append(self, *drafts: EventDraft):
        """One user action = one transaction (LedgerStore.append), timed by the session clock."""
        if self.locked:
            raise CounterLocked(self.locked)
        return self.store.append(*self.stamp(*drafts))

    def recovery_message(self) -> str | None:
        return self.report.recovery.message() if self.report and self.report.recovery else None

    def close(self) -> None:
        self.store.close()
