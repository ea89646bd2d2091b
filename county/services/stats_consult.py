"""Statistics of consultations (咨询答复, 第十条): per answering unit — the bureau and each department — how many
questions it received, answered, answered on time, and holds overdue, and the working days it took.

- received (收到咨询): consultations whose day of receipt (``Consultation.received_date``, the working day the
  2-working-day clock starts from) falls in the window, whatever their source (专区, phone, 12345, a counter);
- the unit: the one that answered, or for an open question the one it is routed to now (as on the console's
  咨询 page, ``consultations.response_times``);
- answered on time (按时答复): answered by the end of its due day (China time); one answered while its date was
  still 时限待确认 counts as on time, as the console shows it;
- overdue open (超期未答复): still open today (county clock) past its due day;
- working days to answer (答复用时): working days after the day of receipt up to the day of the answer, on the
  county's working-day table; median and 90th percentile by nearest rank, the county's taken over all its
  answered questions, never summed from the units.

Scoped like the console's 咨询 page (``Scope.consultations``): the bureau and finance/audit see every unit, a
department its own, a township none (it answers no consultations), so the table is left out for it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from county.models import Consultation
from county.services.common import aware
from county.services.consultations import unit_name
from county.services.crediting import county_workdays
from county.services.scope import Scope
from county.services.statistics import Row, Table
from county.services.stats_timeliness import percentile
from sync.ledger.catalogue import load_units
from sync.ledger.events import CHINA_TZ
from sync.ledger.workdays import working_days_between

NAME = "consult"
BUREAU_KEY = "bureau"  # the row of questions the bureau answers (unit code NULL), as the console's 转办 names it
COLUMNS = ("asked", "answered", "on_time", "open_overdue", "answer_median", "answer_p90")


def _answered_on(row) -> date:
    return aware(row.answered_at).astimezone(CHINA_TZ).date()


def table(session: Session, scope: Scope, months: tuple[str, ...], now: datetime) -> Table | None:
    """The 咨询答复 table, a row per answering unit (the bureau first, then the departments in the order of the
    county's unit list); None for a viewer who sees no consultations."""
    if not scope.sees_consultations:
        return None
    first, last = date.fromisoformat(f"{months[0]}-01"), date.fromisoformat(f"{months[-1]}-28")
    last = date(last.year + (last.month == 12), last.month % 12 + 1, 1)  # the day after the window
    workdays, today = county_workdays(session), now.astimezone(CHINA_TZ).date()
    query = scope.consultations().with_only_columns(
        Consultation.unit_code,
        Consultation.answered_unit,
        Consultation.answered_at,
        Consultation.received_date,
        Consultation.due_date,
    )
    rows = session.execute(query.where(Consultation.received_date >= first, Consultation.received_date < last)).all()
    counts: dict[str, dict[str, int]] = {}
    spans: dict[str, list[int]] = {}
    for row in rows:
        answered = row.answered_at is not None
        key = (row.answered_unit if answered else row.unit_code) or BUREAU_KEY
        mine = counts.setdefault(key, dict.fromkeys(COLUMNS[:4], 0))
        mine["asked"] += 1
        if answered:
            done = _answered_on(row)
            mine["answered"] += 1
            mine["on_time"] += row.due_date is None or done <= row.due_date
            spans.setdefault(key, []).append(working_days_between(row.received_date, done, workdays))
        elif row.due_date is not None and row.due_date < today:
            mine["open_overdue"] += 1
    keys = _units(scope, set(counts))
    out = []
    for key in keys:
        figures: dict = dict(counts.get(key) or dict.fromkeys(COLUMNS[:4], 0))
        figures["answer_median"] = percentile(spans.get(key, []), 0.5)
        figures["answer_p90"] = percentile(spans.get(key, []), 0.9)
        out.append(Row(key, unit_name(None if key == BUREAU_KEY else key), figures))
    every = [d for days in spans.values() for d in days]
    fixed = {"answer_median": percentile(every, 0.5), "answer_p90": percentile(every, 0.9)}
    return Table(NAME, "咨询答复", "答复单位", COLUMNS, tuple(out), fixed)


def _units(scope: Scope, seen: set[str]) -> list[str]:
    """A department: its own unit, always; the county: the bureau always, then every unit with a figure."""
    if not scope.county_wide:
        return [scope.unit_code] if scope.unit_code else []
    listed = [BUREAU_KEY, *(code for code in load_units() if code in seen)]
    return listed + sorted(seen - set(listed))  # a unit no longer on the list keeps its row
