"""The fraud rules (刷单规则) as cases arrive: each batch checks only what it brought (docs/fraud-review.md).

A rule returns hits (``Hit``): the rule, what it counted over (``key``), its figures and the cases. Hits open or
join a review item (county/services/fraud_review.py); they never change points. Each check here reads only the
rows its batch's cases lead to, through an index, so its cost does not grow with the point's history:

- the same applicant (the HMAC look-up hash of the ID, never the ID) with the same item, per day and month;
- the same applicant with the same item at several points within a few days (fraud_cross.py);
- bursts: one device recording more cases within a few minutes than a person can serve;
- brief forms: one device saving many case forms open for only seconds in a day (newer counters say how long);
- many 网上申报 completed by the agent with no department status (no evidence), in one month;
- many completed cases voided in one month; many late or impossibly dated completions in one month;
- clock jumps: the device's time running backwards between events, or far off the county's when it sends.

The nightly scan (county/services/fraud_scan.py) runs the same rules, plus clustering under the monthly cap and
the chain's tamper flags, over a date range.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.config import FraudRules
from county.models import Case, LedgerEvent, TamperFlag
from county.services.cases import among
from sync.ledger.events import CHINA_TZ, format_time, parse_time
from sync.ledger.kinds import CaseState

SAME_DAY, SAME_MONTH, CROSS, BURST, BRIEF, SELF, VOIDS, LATE, CLOCK, CAP, TAMPER = (
    "same_applicant_day",
    "same_applicant_month",
    "cross_point",
    "burst",
    "brief_form",
    "self_completed",
    "voids",
    "late",
    "clock_jump",
    "cap_cluster",
    "tamper",
)
RULE_LABELS = {
    SAME_DAY: "同一人同一事项一天内多次办理",
    SAME_MONTH: "同一人同一事项一个月内多次办理",
    CROSS: "同一人同一事项几天内在多个代办点办理",
    BURST: "短时间内连续登记，快得不合常理",
    BRIEF: "填表用时短得不合常理",
    SELF: "自行办结、没有部门回音的网上申报偏多",
    VOIDS: "办结后又作废的办件偏多",
    LATE: "迟报或时间不合理的办结偏多",
    CLOCK: "电脑时钟跳动",
    CAP: "积分反复卡在月封顶线下",
    TAMPER: "设备记录被改动（防篡改链）",
}


@dataclass
class Hit:
    rule: str
    point_id: int
    key: str
    figures: dict
    case_ids: list[str] = field(default_factory=list)


def explain(rule: str, figures: dict) -> str:
    """The hit in plain Chinese: what was counted, against which threshold, and why it matters."""
    f = figures
    if rule == SAME_DAY:
        return (
            f"同一身份证号（按加密后的比对码核对，不显示号码）{f['day']} 在本点办理“{f['item']}”{f['count']} 次，"
            f"超过设定的每天 {f['limit']} 次。同一个人同一天反复办同一件事，多半是重复登记刷积分。"
        )
    if rule == SAME_MONTH:
        return (
            f"同一身份证号（按加密后的比对码核对）{f['month']} 在本点办理“{f['item']}”{f['count']} 次，"
            f"超过设定的每月 {f['limit']} 次。请核实是否确有其事。"
        )
    if rule == CROSS:
        period = f["first"] if f["first"] == f["last"] else f"{f['first']} 至 {f['last']}"
        return (
            f"同一身份证号（按加密后的比对码核对，不显示号码）{period} 在 {f['points']} 个不同的代办点办理"
            f"“{f['item']}”共 {f['cases']} 次（本点 {f['here']} 次），超过设定的 {f['days']} 天内最多 "
            f"{f['limit']} 个代办点。一个人很少几天内跑几个代办点办同一件事，可能是拿同一张身份证在多个点重复登记"
            "刷积分。请向本人核实是否真来办过。"
        )
    if rule == BURST:
        return (
            f"同一台电脑在 {f['window']} 秒内登记了 {f['count']} 笔办件（设定最多 {f['limit']} 笔），"
            f"平均每笔不到 {f['window'] // max(f['count'], 1)} 秒，一个人来不及这样接待群众。"
        )
    if rule == BRIEF:
        return (
            f"同一台电脑 {f['day']} 有 {f['count']} 笔办件的登记表打开不到 {f['seconds']} 秒就保存了"
            f"（设定每天最多 {f['limit']} 笔）。核对身份、填写信息、取得本人同意，正常要花更久。"
        )
    if rule == SELF:
        return (
            f"{f['month']} 有 {f['count']} 笔网上申报由代办员自己点了办结，部门没有任何受理或审批记录"
            f"（设定每月最多 {f['limit']} 笔）。请抽查这些办件在部门系统里是否真有申报。"
        )
    if rule == VOIDS:
        return (
            f"{f['month']} 有 {f['count']} 笔已办结的办件又被作废，超过设定的 {f['limit']} 笔。"
            "办结后反复作废，可能是登记不实。"
        )
    if rule == LATE:
        return (
            f"{f['month']} 有 {f['count']} 笔办结迟报或时间不合理（早于登记、早于电脑激活、晚于县里时间），"
            f"超过设定的 {f['limit']} 笔。可能是补录或倒签办结时间。"
        )
    if rule == CLOCK:
        return (
            f"这台电脑的时钟{f['how']}，相差 {f['seconds']} 秒，超过设定的 {f['limit']} 秒。"
            "这期间登记或办结的办件，时间不可信。"
        )
    if rule == CAP:
        return (
            f"最近三个月里有 {len(f['months'])} 个月（{'、'.join(f['months'])}）的积分停在 "
            f"{f['low']}–{f['cap'] - 1} 分，紧贴每月 {f['cap']} 分的封顶线（设定 {f['limit']} 个月即提示）。"
            "每月都刚好凑到封顶线下，可能是按封顶凑数。"
        )
    if rule == TAMPER:
        return (
            "这台电脑上传的记录与县里已收到的不一致（记录被修改、删除或用旧备份恢复），防篡改链已标记。"
            f"{f.get('detail', '')}"
        )
    return RULE_LABELS.get(rule, rule)


def month_bounds(month: str) -> tuple[str, str]:
    return f"{month}-01", f"{month}-31"  # business dates are ISO text: a month's range as text


def item_name(code: str) -> str:
    from sync.ledger.catalogue import load_catalogue

    return next((item.name for item in load_catalogue().items if item.code == code), code)


# ---- same applicant, same item ---------------------------------------------------------------------------------
ApplicantRow = tuple[int, str, str, str, str]  # point_id, id_lookup, item_code, business_date, case_id


def applicant_hits(rows: Iterable[ApplicantRow], rules: FraudRules) -> list[Hit]:
    """Group the not-voided cases by point, applicant and item; a day or month beyond its threshold hits. The hit's
    key keeps 4 hex characters (16 bits) of the look-up hash: enough to tell two patterns of one item and period
    apart at one point, far too few to single out a person."""
    by_day: dict[tuple, list[str]] = defaultdict(list)
    by_month: dict[tuple, list[str]] = defaultdict(list)
    for point_id, lookup, item, day, case_id in rows:
        by_day[(point_id, lookup, item, day)].append(case_id)
        by_month[(point_id, lookup, item, day[:7])].append(case_id)
    hits = []
    for grouped, rule, limit, when in (
        (by_day, SAME_DAY, rules.same_applicant_day, "day"),
        (by_month, SAME_MONTH, rules.same_applicant_month, "month"),
    ):
        for (point_id, lookup, item, period), ids in sorted(grouped.items()):
            if len(ids) > limit:
                figures = {when: period, "item": item_name(item), "count": len(ids), "limit": limit}
                hits.append(Hit(rule, point_id, f"{lookup[:4]}:{item}:{period}", figures, sorted(ids)))
    return hits


def check_applicants(session: Session, point_id: int, new: Sequence[tuple[str, str, str]], rules: FraudRules):
    """``new``: (id_lookup, item_code, business_date) of the batch's new cases; one query for them all."""
    if not new:
        return []
    lookups = sorted({lookup for lookup, _i, _d in new})
    months = sorted({day[:7] for _l, _i, day in new})
    wanted = {(lookup, item, day[:7]) for lookup, item, day in new}
    rows = session.execute(
        select(Case.point_id, Case.id_lookup, Case.item_code, Case.business_date, Case.case_id).where(
            among(session, Case.id_lookup, lookups),  # one array parameter on PostgreSQL
            Case.business_date.between(month_bounds(months[0])[0], month_bounds(months[-1])[1]),
            Case.point_id == point_id,
            Case.state != CaseState.VOIDED.value,
        )
    ).all()
    found = [tuple(r) for r in rows if (r[1], r[2], r[3][:7]) in wanted]
    return applicant_hits(found, rules)  # type: ignore[arg-type]


# ---- bursts ----------------------------------------------------------------------------------------------------
def burst_hits(point_id: int, device_id: str, times: Iterable[tuple[datetime, str]], rules: FraudRules) -> list[Hit]:
    """A sliding window over one device's recording times: more than ``burst_cases`` within the window hits;
    one hit per device and China-time day, naming every case in any such window."""
    ordered = sorted(times)
    window = timedelta(seconds=rules.burst_window_seconds)
    caught: dict[str, set[str]] = defaultdict(set)
    most: dict[str, int] = defaultdict(int)
    start = 0
    for end, (moment, _case) in enumerate(ordered):
        while moment - ordered[start][0] > window:
            start += 1
        count = end - start + 1
        if count > rules.burst_cases:
            day = moment.astimezone(CHINA_TZ).date().isoformat()
            caught[day].update(case for _m, case in ordered[start : end + 1])
            most[day] = max(most[day], count)
    return [
        Hit(
            BURST,
            point_id,
            f"{device_id}:{day}",
            {"day": day, "count": most[day], "limit": rules.burst_cases, "window": rules.burst_window_seconds},
            sorted(ids),
        )
        for day, ids in sorted(caught.items())
    ]


def check_bursts(
    session: Session, point_id: int, device_id: str, new: Sequence[tuple[str, str]], rules: FraudRules
) -> list[Hit]:
    """``new``: (recorded_at, case_id) of the batch's new cases; the device's cases around them in one query."""
    times = []
    for text, case_id in new:
        try:
            times.append((parse_time(text), case_id))
        except ValueError:
            continue
    if not times:
        return []
    margin = timedelta(seconds=rules.burst_window_seconds)
    low, high = min(t for t, _c in times) - margin, max(t for t, _c in times) + margin
    rows = session.execute(
        select(Case.recorded_at, Case.case_id).where(
            Case.device_id == device_id,
            Case.recorded_at.between(format_time(low - timedelta(days=1)), format_time(high + timedelta(days=1))),
        )
    ).all()
    near: dict[str, datetime] = {case_id: moment for moment, case_id in times}
    for text, case_id in rows:
        try:
            moment = parse_time(text)
        except ValueError:
            continue
        if low <= moment <= high:
            near[case_id] = moment
    return burst_hits(point_id, device_id, ((m, c) for c, m in near.items()), rules)


# ---- brief forms ---------------------------------------------------------------------------------------------
def brief_hits(
    point_id: int, device_id: str, rows: Iterable[tuple[str, str, int | None]], rules: FraudRules
) -> list[Hit]:
    """``rows``: (recorded_at, case_id, form_seconds) of one device; per China-time day, more brief forms than
    allowed hit."""
    by_day: dict[str, list[str]] = defaultdict(list)
    for recorded_at, case_id, seconds in rows:
        moment = _time(recorded_at)
        if moment is not None and seconds is not None and seconds < rules.brief_form_seconds:
            by_day[moment.astimezone(CHINA_TZ).date().isoformat()].append(case_id)
    return [
        Hit(
            BRIEF,
            point_id,
            f"{device_id}:{day}",
            {"day": day, "count": len(ids), "limit": rules.brief_forms_per_day, "seconds": rules.brief_form_seconds},
            sorted(set(ids)),
        )
        for day, ids in sorted(by_day.items())
        if len(set(ids)) > rules.brief_forms_per_day
    ]


def check_brief(
    session: Session, point_id: int, device_id: str, new: Sequence[tuple[str, str, int | None]], rules: FraudRules
) -> list[Hit]:
    """Only when the batch brought a brief form: the device's cases of those days (by its recording-time index)."""
    days = sorted(
        {
            moment.astimezone(CHINA_TZ).date()
            for text, _c, seconds in new
            if seconds is not None and seconds < rules.brief_form_seconds and (moment := _time(text)) is not None
        }
    )
    if not days:
        return []
    low = datetime.combine(days[0], datetime.min.time(), CHINA_TZ)
    high = datetime.combine(days[-1], datetime.min.time(), CHINA_TZ) + timedelta(days=1)
    rows = session.execute(
        select(Case.recorded_at, Case.case_id, Case.form_seconds).where(
            Case.device_id == device_id,
            Case.recorded_at.between(format_time(low - timedelta(days=1)), format_time(high + timedelta(days=1))),
            Case.form_seconds < rules.brief_form_seconds,
        )
    ).all()
    wanted = {day.isoformat() for day in days}
    return [hit for hit in brief_hits(point_id, device_id, rows, rules) if hit.figures["day"] in wanted]


# ---- voids and late completions, per point and month ---------------------------------------------------------
def count_hits(rule: str, point_id: int, counted: dict[str, list[str]], limit: int) -> list[Hit]:
    return [
        Hit(rule, point_id, month, {"month": month, "count": len(ids), "limit": limit}, sorted(ids))
        for month, ids in sorted(counted.items())
        if len(ids) > limit
    ]


def _by_month(session: Session, point_id: int, month_column, months: Iterable[str], *where) -> dict[str, list[str]]:
    """The point's cases matching ``where`` in ``months`` (by ``month_column``), their ids grouped by month."""
    counted: dict[str, list[str]] = defaultdict(list)
    wanted = sorted(set(months))
    if wanted:
        query = select(month_column, Case.case_id).where(Case.point_id == point_id, month_column.in_(wanted), *where)
        for month, case_id in session.execute(query):
            counted[month].append(case_id)
    return counted


def check_voids(session: Session, point_id: int, months: Iterable[str], rules: FraudRules) -> list[Hit]:
    """Completed cases voided, in the months the batch voided one (a voided case keeps its credited month)."""
    counted = _by_month(
        session,
        point_id,
        Case.credit_month,
        months,
        Case.state == CaseState.VOIDED.value,
        Case.completed_at.is_not(None),
    )
    return count_hits(VOIDS, point_id, counted, rules.voids_after_completion)


def check_self_completed(session: Session, point_id: int, months: Iterable[str], rules: FraudRules) -> list[Hit]:
    """Online cases the agent completed with no department status, in the months the batch credited one."""
    counted = _by_month(
        session,
        point_id,
        Case.credit_month,
        months,
        Case.self_completed.is_(True),
        Case.state == CaseState.COMPLETED.value,
    )
    return count_hits(SELF, point_id, counted, rules.self_completed)


def check_late(session: Session, point_id: int, months: Iterable[str], rules: FraudRules) -> list[Hit]:
    """Completions not credited to their own month, in the months (of their own completion) the batch flagged."""
    counted = _by_month(session, point_id, Case.completed_month, months, Case.credit_flag.is_not(None))
    return count_hits(LATE, point_id, counted, rules.late_completions)


# ---- clock jumps -----------------------------------------------------------------------------------------------
def clock_jumps(
    point_id: int, device_id: str, events: Sequence[tuple[int, str, str | None]], before: str | None, rules: FraudRules
) -> list[Hit]:
    """``events``: (seq, occurred_at, case_id) in chain order; ``before``: the time of the event preceding them.
    Time running backwards by more than the limit between two events hits, naming the cases after the jump."""
    hits: list[Hit] = []
    previous = _time(before)
    limit = timedelta(seconds=rules.clock_jump_seconds)
    back_until: datetime | None = None  # the time the clock jumped back from: events before it are "while back"
    for seq, text, case_id in events:
        moment = _time(text)
        if moment is None:
            continue
        if previous is not None and previous - moment > limit:
            seconds = round((previous - moment).total_seconds())
            figures = {"how": "往回跳了", "seconds": seconds, "limit": rules.clock_jump_seconds, "seq": seq}
            hits.append(Hit(CLOCK, point_id, f"{device_id}:back:{seq}", figures, []))
            back_until = previous
        if back_until is not None and moment < back_until and case_id and case_id not in hits[-1].case_ids:
            hits[-1].case_ids.append(case_id)  # recorded while the clock stayed back
        previous = moment
    return hits


def skew_hit(
    point_id: int, device_id: str, skew: int | None, batch_key: str, case_ids: list[str], rules: FraudRules
) -> list[Hit]:
    """A batch sent while the device's clock was off the county's by more than the limit, carrying cases."""
    if skew is None or abs(skew) <= rules.clock_jump_seconds or not case_ids:
        return []
    how = "比县里快" if skew > 0 else "比县里慢"
    figures = {"how": how, "seconds": abs(skew), "limit": rules.clock_jump_seconds}
    return [Hit(CLOCK, point_id, f"{device_id}:skew:{batch_key}", figures, sorted(set(case_ids))[:200])]


def _time(text: str | None) -> datetime | None:
    try:
        return parse_time(text) if text else None
    except ValueError:
        return None


def previous_time(session: Session, device_id: str, seq: int) -> str | None:
    """The device's event just before a batch (one row by its unique (device, seq) index)."""
    if seq < 1:
        return None
    return session.scalar(
        select(LedgerEvent.occurred_at).where(LedgerEvent.device_id == device_id, LedgerEvent.seq == seq)
    )


def tamper_hit(flag: TamperFlag) -> Hit:
    """The chain's tamper flag as a hit: the review item is where a person looks at it (key: the flag's id)."""
    figures = {"seq": flag.seq, "kind": flag.kind, "detail": f"（第 {flag.seq} 条记录起，设备 {flag.device_id[:8]}）"}
    return Hit(TAMPER, flag.point_id, str(flag.id), figures, [])
