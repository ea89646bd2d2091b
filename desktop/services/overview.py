"""What the home screen (今日) and the day close (日结) show: today's work, points, outbox, reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from desktop.services.clock_check import check_clock
from desktop.services.consults import answers_to_pass_on
from desktop.services.session import Counter
from desktop.store.backup import list_backups
from desktop.store.engine import read
from desktop.store.schema import case, day_total
from desktop.store.schema import mailing as mailing_table
from sync.ledger.events import parse_time
from sync.ledger.kinds import UNSENT_STATES, CaseState, Flow
from sync.ledger.points import MONTHLY_CAP, CaseCredit, MonthPoints, QuarterPoints, month_of, monthly_points, quarter_of


@dataclass(frozen=True)
class DayFigures:
    business_date: str
    case_count: int
    voided_count: int
    mailing_count: int
    amount_fen_total: int
    points_estimate: int
    closed_at: str | None


def day_figures(counter: Counter, day: date) -> DayFigures:
    with read(counter.store.engine) as conn:
        row = conn.execute(select(day_total).where(day_total.c.business_date == day.isoformat())).mappings().first()
    row = dict(row or {})
    return DayFigures(
        day.isoformat(),
        row.get("case_count", 0),
        row.get("voided_count", 0),
        row.get("mailing_count", 0),
        row.get("amount_fen_total", 0),
        row.get("points_estimate", 0),
        row.get("closed_at"),
    )


def unsynced(counter: Counter) -> int:
    """Records waiting to go up (those the county refused are counted by ``rejected``)."""
    counts = counter.store.outbox_counts()
    return sum(counts.get(state, 0) for state in UNSENT_STATES)


def rejected(counter: Counter) -> int:
    return counter.store.outbox_counts().get("rejected", 0)


def credits_since(counter: Counter, since: date) -> list[CaseCredit]:
    """Credits of cases completed on or after ``since`` (a day early for safety; month_of decides)."""
    start = (since - timedelta(days=1)).isoformat()
    with read(counter.store.engine) as conn:
        rows = conn.execute(
            select(case.c.case_id, case.c.points, case.c.completed_at, case.c.state).where(case.c.completed_at >= start)
        ).all()
    return [
        CaseCredit(row.case_id, row.points, row.points, parse_time(row.completed_at), row.state == "voided")
        for row in rows
    ]


def quarter_start(now: datetime) -> date:
    return date(now.year, (now.month - 1) // 3 * 3 + 1, 1)


def points_now(counter: Counter) -> tuple[MonthPoints, QuarterPoints]:
    """This month's and this quarter's estimate (each month capped at 1000, 第七条; the quarter sums them)."""
    now = counter.now()
    months = monthly_points(credits_since(counter, quarter_start(now)))
    month = months.get(month_of(now)) or MonthPoints(month_of(now), 0, 0, False, {}, 0)
    quarter = quarter_of(month.month)
    in_quarter = tuple(m for key, m in months.items() if quarter_of(key) == quarter)
    return month, QuarterPoints(quarter, sum(m.credited for m in in_quarter), in_quarter)


def reminders(counter: Counter) -> list[str]:
    """Things the agent should not forget, worked out from the local ledger (county notices are shown beside)."""
    out = []
    if message := counter.recovery_message():
        out.append(message)
    if message := check_clock(counter):
        out.append(message)
    today = counter.today().isoformat()
    with read(counter.store.engine) as conn:
        unclosed = conn.execute(
            select(func.count())
            .select_from(day_total)
            .where(day_total.c.business_date < today, day_total.c.closed_at.is_(None))
        ).scalar_one()
        to_send = conn.execute(
            select(func.count())
            .select_from(case)
            .where(case.c.flow == Flow.APPROVAL.value, case.c.state == CaseState.RECORDED.value)
        ).scalar_one()
        returned = conn.execute(
            select(func.count()).select_from(case).where(case.c.state == CaseState.RETURNED.value)
        ).scalar_one()
        waiting_post = conn.execute(
            select(func.count()).select_from(mailing_table).where(mailing_table.c.state == "recorded")
        ).scalar_one()
        to_hand = conn.execute(
            select(func.count()).select_from(mailing_table).where(mailing_table.c.state == "arrived")
        ).scalar_one()
    if refused := rejected(counter):
        out.append(f"有 {refused} 条记录被县里退回，请到“同步”页看县里说的原因并处理。")
    if answered := len(answers_to_pass_on(counter)):
        out.append(f"县里答复了 {answered} 条咨询，请到“咨询”页（F11）看答复，并告诉问的群众。")
    if unclosed:
        out.append(f"有 {unclosed} 天还没有日结，请到“日结”页补做，日结时会自动备份台账。")
    if to_send:
        out.append(f"有 {to_send} 件审批类办件的材料还没寄送部门，请在“台账”里选中后点“寄送材料”。")
    if returned:
        out.append(f"有 {returned} 件办件被部门退回，请联系群众补正材料后更正。")
    if waiting_post:
        out.append(f"有 {waiting_post} 件寄递还没交给邮政，交寄后请在“寄递”页扫描运单号。")
    if to_hand:
        out.append(f"有 {to_hand} 件部门回寄已到代办点、还没交给群众，请通知群众来取，交出后在“寄递”页点“交给群众”。")
    backups = list_backups(counter.store.layout.backups)
    if not backups:
        out.append("台账还没有备份过，请在“设置”里点“立即备份”，或做一次日结。")
    elif (counter.now().replace(tzinfo=None) - backups[0].made_at).days >= 7:
        out.append(f"台账最近一次备份是 {backups[0].made_at:%m月%d日}，已超过一周，请日结或立即备份。")
    return out


__all__ = ["MONTHLY_CAP", "DayFigures", "day_figures", "points_now", "rejected", "reminders", "unsynced"]
