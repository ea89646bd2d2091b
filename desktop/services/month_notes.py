"""What the county said about this PC's clock and about completions it did not credit to their own month (or
disqualified after its fraud review, 取消资格).

The county's clock decides the month a completion earns in (docs/points.md). The push answer says how far
this PC's clock is off (kept in the ledger's sync notes); the points statement lists the completions the
county credited to a later month or not at all. The sync page shows both in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from desktop.services.county_news import points_statement
from desktop.services.session import Counter
from desktop.store.engine import read
from desktop.store.schema import case
from desktop.store.sync_port import StoreSyncPort
from sync.ledger.events import CHINA_TZ, parse_time
from sync.wire import CREDIT_FLAG_LABELS, skew_words

CLOCK_ADVICE = (
    "请把电脑的日期和时间改正（Windows：设置 → 时间和语言 → 打开“自动设置时间”）。"
    "时钟不准时，办结的记录可能计入县里收到的月份，甚至不计积分。"
)


def clock_warning(counter: Counter) -> str:
    """One sentence when the county found this PC's clock wrong at the last push; empty when it is right."""
    notes = StoreSyncPort(counter.store).sync_notes()
    if notes.get("clock_wrong") != "1":
        return ""
    try:
        off = skew_words(int(notes.get("clock_skew", "")))
    except ValueError:
        return f"这台电脑的时钟不准。{CLOCK_ADVICE}"
    return f"这台电脑的时钟不准：比县里的时间{off}。{CLOCK_ADVICE}"


def _day(text: str) -> str:
    try:
        return f"{parse_time(text).astimezone(CHINA_TZ):%Y年%m月%d日 %H:%M}"
    except ValueError:
        return text


def _month(month: str) -> str:
    return f"{month[:4]}年{int(month[5:7])}月" if len(month) == 7 else month


@dataclass(frozen=True)
class MonthNote:
    """One completion the county did not credit to its own month, as the agent reads it."""

    receipt_no: str
    text: str


def month_notes(counter: Counter) -> list[MonthNote]:
    """From the latest points statement: completions credited to a later month (迟报) or earning nothing."""
    statement = points_statement(counter)
    if statement is None or not statement.flags:
        return []
    with read(counter.store.engine) as conn:
        items = dict(
            conn.execute(
                select(case.c.case_id, case.c.item_code).where(case.c.case_id.in_([f.case_id for f in statement.flags]))
            ).all()
        )
    names = {item.code: item.name for item in counter.catalogue.items}
    notes = []
    for flag in statement.flags:
        what = names.get(items.get(flag.case_id, ""), "")
        head = f"回执 {flag.receipt_no}（{what + '，' if what else ''}记录的办结时间 {_day(flag.completed_at)}）"
        if flag.flag == "disqualified":
            why = f"：{flag.reason}" if flag.reason else ""
            text = f"{head}：{CREDIT_FLAG_LABELS['disqualified']}{why}。有疑问请问乡镇或县政务服务管理局。"
        elif flag.month is not None:
            text = f"{head}：县里收到时所属月份的入账期已过，计入{_month(flag.month)}的积分。"
        else:
            text = (
                f"{head}：{CREDIT_FLAG_LABELS.get(flag.flag, '县里没有计这笔积分')}。请核对电脑时钟，有疑问请问乡镇。"
            )
        notes.append(MonthNote(flag.receipt_no, text))
    return notes
