"""The one clock (时钟): every business time — case dates, months, quarters, deadlines, expiries — is read here.

Business time is China Standard Time (Asia/Shanghai: UTC+8 all year, no daylight saving since 1991), the
county's time zone, whatever zone the PC or the server is set to. Nothing else in the project asks the
operating system for the date or time of day (an architecture test enforces it; monotonic timers for
timeouts are not business time and stay free).

Each program's composition root may install another clock with ``use_clock`` (a county that runs on a
clock of its own choosing, a training day set to a fixed date); code that needs the time takes a
``Clock`` as a collaborator where it can, and otherwise calls ``current()``. Tests set the time with
time-machine, which moves what this clock reads.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "UTC+8")


class Clock:
    """The operating system's wall clock, read in China time."""

    def now(self) -> datetime:
        return datetime.now(CHINA_TZ)

    def today(self) -> date:
        return self.now().date()

    def utcnow(self) -> datetime:
        return self.now().astimezone(UTC)

    def timestamp(self) -> float:
        """Seconds since the Unix epoch (for stamps kept in files, such as a throttle's end)."""
        return time.time()

    def epoch_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ShiftedClock(Clock):
    """The wall clock moved so that it read ``start`` when this clock was made, running on from there (the
    practice county behind the screenshots, which show one set day)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock's time must be timezone-aware")
        self._shift = start - super().now()

    def now(self) -> datetime:
        return super().now() + self._shift

    def timestamp(self) -> float:
        return time.time() + self._shift.total_seconds()

    def epoch_ms(self) -> int:
        return int(self.timestamp() * 1000)


_current: Clock = Clock()


def current() -> Clock:
    return _current


def use_clock(clock: Clock) -> Clock:
    """Install ``clock`` for the whole process; returns the one it replaces (to put back)."""
    global _current
    previous, _current = _current, clock
    return previous


def china_now() -> datetime:
    return _current.now()


def china_today() -> date:
    return _current.today()


def utcnow() -> datetime:
    return _current.utcnow()
