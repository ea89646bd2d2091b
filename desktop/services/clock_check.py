"""The offline clock check (电脑时间检查): a PC clock behind the ledger, or far ahead of the last county contact.

Offline, the PC clock is the only clock, and it dates every record and receipt. It cannot be proven right
without the network, but it can be caught being wrong: earlier than the newest record or the newest
backup (a flat CMOS battery sends it back years), or months past the last successful sync (a mistyped
year). The check only tells the agent — plainly, with what to do; it never stops a save.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from desktop.services.session import Counter
from desktop.store.backup import list_backups
from desktop.store.engine import read
from desktop.store.ledger import LedgerStore, get_meta
from sync.ledger.events import CHINA_TZ, parse_time

BEHIND_TOLERANCE = timedelta(minutes=10)  # two PCs' clocks, a restore from another machine: small drifts are fine
AHEAD_OF_CONTACT = timedelta(days=60)  # offline for two months is rare; a year typed wrong is not
EARLIEST = datetime(2020, 1, 1, tzinfo=CHINA_TZ)  # the ledger refuses business dates before 2020


def _when(text: str | None) -> datetime | None:
    try:
        return parse_time(text) if text else None
    except ValueError:
        return None


def evidence(store: LedgerStore) -> dict[str, datetime]:
    """What the ledger knows about time: its newest record, its backup furthest ahead, its last county contact."""
    found = {}
    if newest := _when(store.mark.newest_at):
        found["台账里最新一条记录"] = newest
    backups = list_backups(store.layout.backups)
    if backups:
        found["最近一次自动备份"] = backups[0].made_at.replace(tzinfo=CHINA_TZ)
    with read(store.engine) as conn:
        contact = _when(get_meta(conn).get("sync_last_success"))
    if contact:
        found["最近一次和县里同步"] = contact
    return found


def clock_problem(now: datetime, known: dict[str, datetime]) -> str | None:
    """The agent's message when ``now`` cannot be right given ``known``; None when nothing is amiss."""
    shown = f"{now:%Y年%m月%d日 %H:%M}"
    fix = "请核对电脑右下角的日期和时间，不对的请改正（或请人帮忙）后再登记。"
    if now < EARLIEST:
        return f"电脑的日期是 {shown}，明显不对，现在不能登记办件。{fix}已保存的记录都在，不受影响。"
    later = {what: at for what, at in known.items() if at - now > BEHIND_TOLERANCE}
    if later:
        what, at = max(later.items(), key=lambda item: item[1])
        return (
            f"电脑的日期时间可能不对：现在显示 {shown}，比{what}（{at:%Y年%m月%d日 %H:%M}）还早。{fix}"
            "改正前登记的记录不会丢失，但日期可能不准。如果电脑时间是对的，说明以前有一段时间电脑时间错了，"
            "下次同步时县里会看到。"
        )
    contact = known.get("最近一次和县里同步")
    if contact is not None and now - contact > AHEAD_OF_CONTACT:
        days = (now - contact).days
        return (
            f"电脑的日期时间可能不对：现在显示 {shown}，比最近一次和县里同步（{contact:%Y年%m月%d日}）晚了 {days} 天。"
            f"{fix}如果电脑时间是对的，请尽快联网同步一次。"
        )
    return None


def check_clock(counter: Counter) -> str | None:
    """The clock check for the start and for each save (before it, against what the ledger held till then)."""
    return clock_problem(counter.now(), evidence(counter.store))


__all__ = ["AHEAD_OF_CONTACT", "BEHIND_TOLERANCE", "check_clock", "clock_problem", "evidence"]
