"""What differs between the three kinds of service unit (附件2 第二条) under one set of points rules.

A helper team (帮代办队伍) has members, each with an agent account of the team (the training gate applies to each
member, admin.create_account) and the villages or groups the member visits; each member activates a laptop of
their own with their own code. A cooperating outlet (合作网点, a bank or post branch) hosts the activity day
(活动日): every given weekday or listed dates, shown on the 专区. A shop point (代办点) has neither."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import Account, ActivityDay, Device, Point, TeamMember
from county.services import admin, texts, trainings
from county.services.common import audit, utcnow
from sync.clock import china_today

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_TIME = re.compile(r"([01]?[0-9]|2[0-3])[:：]([0-5][0-9])")
MAX_DAYS = 40  # an outlet's schedule stays readable on a phone


def _refuse(message: str) -> CountyError:
    return CountyError(Refusal.INVALID, "unit", message)


def _point_of_kind(session: Session, code: str, kind: str) -> Point:
    point = admin.point_by_code(session, code)
    if point.kind != kind:
        raise _refuse(
            f"{point.code} {point.name} 是{admin.POINT_KINDS.get(point.kind, point.kind)}，"
            f"不是{admin.POINT_KINDS[kind]}。什么都没有改。"
        )
    if point.state != "active":
        raise _refuse(f"{point.code} 已撤销，不能修改；如需恢复，请先恢复。什么都没有改。")
    return point


@dataclass(frozen=True)
class Member:
    account: Account
    covers: str
    clearance: trainings.Clearance
    devices: int  # active devices activated with this member's account


def add_member(
    session: Session, code: str, name: str, covers: str, *, actor: str, override_reason: str = ""
) -> Account:
    """A team member: a new agent account of the team (trained, or with the bureau's written reason) and the
    villages or groups the member serves. One transaction; the caller issues the member's activation code."""
    point = _point_of_kind(session, code, "team")
    covers = texts.line(covers, field="covers", label="负责上门的村组", max_len=120)
    account = admin.create_account(session, point.code, name, actor=actor, override_reason=override_reason)
    session.add(
        TeamMember(account_id=account.id, point_id=point.id, covers=covers, added_by=actor[:60], added_at=utcnow())
    )
    session.flush()
    audit(session, actor, "team.member", f"account:{account.id}", point=point.code)
    return account


def members(session: Session, point: Point) -> list[Member]:
    """Every account of the team with what it covers; accounts opened before the team had members show no area."""
    covers = dict(
        session.execute(select(TeamMember.account_id, TeamMember.covers).where(TeamMember.point_id == point.id)).all()
    )
    devices = dict(
        session.execute(
            select(Device.account_id, func.count())
            .where(Device.point_id == point.id, Device.state == "active")
            .group_by(Device.account_id)
        ).all()
    )
    accounts = session.scalars(select(Account).where(Account.point_id == point.id).order_by(Account.id)).all()
    return [
        Member(a, covers.get(a.id, ""), trainings.clearance(session, point, a.name), devices.get(a.id, 0))
        for a in accounts
    ]


def _clock(raw: str, label: str) -> str:
    match = _TIME.fullmatch((raw or "").strip())
    if not match:
        raise _refuse(f"{label}请写成 时:分，例如 9:00 或 14:30。什么都没有改。")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def add_day(
    session: Session,
    code: str,
    *,
    weekday: str = "",
    on_date: str = "",
    starts: str,
    ends: str,
    place: str = "",
    actor: str,
) -> ActivityDay:
    """One line of an outlet's activity-day schedule: every ``weekday`` (0–6), or the one date ``on_date``."""
    point = _point_of_kind(session, code, "outlet")
    weekday, on_date = (weekday or "").strip(), (on_date or "").strip()
    if bool(weekday) == bool(on_date):
        raise _refuse("请选「每周几」，或填一个日期（二选一）。什么都没有改。")
    day: date | None = None
    week: int | None = None
    if weekday:
        if not (weekday.isdigit() and int(weekday) < 7):
            raise _refuse("每周几只能选周一到周日。什么都没有改。")
        week = int(weekday)
    else:
        try:
            day = date.fromisoformat(on_date)
        except ValueError:
            raise _refuse("日期请写成 2026-12-16 这样。什么都没有改。") from None
        if day < china_today():
            raise _refuse(f"{day} 已经过去了，活动日只能排今天或以后。什么都没有改。")
    starts, ends = _clock(starts, "开始时间"), _clock(ends, "结束时间")
    if starts >= ends:
        raise _refuse(f"结束时间 {ends} 要晚于开始时间 {starts}。什么都没有改。")
    place = texts.line(place, field="place", label="活动地点", max_len=60, required=False)
    existing = session.scalars(select(ActivityDay).where(ActivityDay.point_id == point.id)).all()
    if len(existing) >= MAX_DAYS:
        raise _refuse(f"一个合作网点最多排 {MAX_DAYS} 个活动日，请先删去过去的。什么都没有改。")
    for other in existing:
        if other.weekday == week and other.on_date == day and other.starts < ends and starts < other.ends:
            raise _refuse(f"和已排的活动日「{describe(other)}」时间重叠。什么都没有改。")
    row = ActivityDay(
        point_id=point.id,
        weekday=week,
        on_date=day,
        starts=starts,
        ends=ends,
        place=place,
        created_by=actor[:60],
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit(session, actor, "outlet.day.add", f"point:{point.code}", day=describe(row))
    return row


def remove_day(session: Session, code: str, day_id: int, *, actor: str) -> None:
    point = _point_of_kind(session, code, "outlet")
    row = session.get(ActivityDay, day_id)
    if row is None or row.point_id != point.id:
        raise _refuse("这个合作网点没有这个活动日。什么都没有改。")
    audit(session, actor, "outlet.day.remove", f"point:{point.code}", day=describe(row))
    session.delete(row)


def describe(day: ActivityDay) -> str:
    """每周三 9:00–12:00（营业厅大堂）, or 12月16日（周三）9:00–12:00."""
    when = (
        f"每{WEEKDAYS[day.weekday]}"
        if day.weekday is not None
        else f"{day.on_date.month}月{day.on_date.day}日（{WEEKDAYS[day.on_date.weekday()]}）"
    )
    place = f"（{day.place}）" if day.place else ""
    return f"{when} {_hm(day.starts)}–{_hm(day.ends)}{place}"


def _hm(text: str) -> str:
    return text[1:] if text.startswith("0") else text


def schedule(session: Session, point_ids: list[int]) -> dict[int, list[ActivityDay]]:
    """The weekly lines, then the listed dates from today on, of each point: what the 专区 and the console show."""
    if not point_ids:
        return {}
    rows = session.scalars(
        select(ActivityDay)
        .where(ActivityDay.point_id.in_(point_ids))
        .where((ActivityDay.on_date.is_(None)) | (ActivityDay.on_date >= china_today()))
        .order_by(ActivityDay.on_date.is_not(None), ActivityDay.weekday, ActivityDay.on_date, ActivityDay.starts)
    ).all()
    out: dict[int, list[ActivityDay]] = {}
    for row in rows:
        out.setdefault(row.point_id, []).append(row)
    return out
