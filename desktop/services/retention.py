"""Personal data kept for its retention time (个人信息保存期限), then purged at every day close (日结)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from desktop.services.session import Counter
from desktop.services.sync_view import when
from desktop.settings import BY_KEY
from desktop.store import evidence as evidence_store
from desktop.store.backup import BackupInfo
from desktop.store.engine import read
from desktop.store.ledger import get_meta
from sync.ledger.events import Event

SETTING = "personal_data_days"


def retention_days(counter: Counter) -> int:
    return int(counter.settings.get(SETTING))


def purge_cutoff(counter: Counter, day: date) -> date:
    """Records of a business day before this one have outlived their retention time."""
    return day - timedelta(days=retention_days(counter))


def purge_expired(counter: Counter, day: date) -> int:
    """Erase the personal fields whose retention ended by ``day``, of records the county already holds, and the
    material images (材料影像) of those cases that the county holds."""
    cutoff = purge_cutoff(counter, day)
    evidence_store.purge_uploaded(counter.store, cutoff)
    return counter.store.purge_personal_data(before=cutoff)


def close_day(counter: Counter, day: date) -> tuple[Event, BackupInfo]:
    """The day close: first the purge, so the day's backup no longer holds what it erased; then 日结 and backup."""
    purge_expired(counter, day)
    return counter.store.close_day(day)


@dataclass(frozen=True)
class LastPurge:
    at: str  # when it ran (device time), "" if never
    count: int  # records whose personal fields it erased
    before: str  # it erased records of business days before this one


def last_purge(counter: Counter) -> LastPurge:
    with read(counter.store.engine) as conn:
        meta = get_meta(conn)
    return LastPurge(meta.get("purge_at", ""), int(meta.get("purge_count", "0") or 0), meta.get("purge_before", ""))


def describe(counter: Counter) -> str:
    """What the settings page says: what is kept how long, and when the last purge ran and what it did."""
    kept = BY_KEY[SETTING].label_of(counter.settings.get(SETTING))
    cutoff = purge_cutoff(counter, counter.today())
    text = (
        f"个人信息保存 {kept}：{cutoff:%Y年%m月%d日}以前办理、县里已经收到的办件和寄递，"
        "下次日结时清除群众的姓名、身份证号、手机号和地址；还没同步到县里的先不清除。"
    )
    done = last_purge(counter)
    if not done.at:
        return text + "还没有清除过。"
    return text + f"上次清除：{when(done.at)}，清除了 {done.count} 条记录里的个人信息。"
