"""The open-data export (开放数据): a SQLite file of de-identified aggregates and the catalogue, built with
sqlite-utils, for Datasette or any SQLite reader (docs/statistics.md).

It holds the statistics page's county-wide figures of the last 12 months, by the page's definitions
(county/services/statistics.py: cases by business date, voided ones left out), with small counts suppressed
as the 专区's public counts are (county/services/public_counts.py): the smallest cell is one point's cases of
one item in one month; a cell of 1 to 4 is published as the bounds 1..4 (shown 少于5), and every larger
figure is a sum of the published cells, so it carries bounds (``*_min``, ``*_max``) and is exact only when
they meet. Mailings likewise, one point's mailings of one month being their smallest cell. Nothing in the
file names a point, a device, an applicant or a case; the times to 办结 are published for a township only
when it completed at least 5 approval cases in the period.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county.models import Case, Mailing, Point, Township
from county.services.public_counts import SUPPRESS_BELOW, ZERO, Count, leaf
from county.services.scope import Scope
from county.services.staff import StaffRole
from county.services.statistics import window
from county.services.stats_timeliness import durations, percentile_of_counts
from sync.ledger.catalogue import CLASS_LABELS, FLOW_LABELS, load_catalogue
from sync.ledger.events import CHINA_TZ
from sync.ledger.kinds import CaseState

COUNTY = Scope(StaffRole.BUREAU_CLERK)
DEFINITIONS = (
    "办件数：业务日期在统计期内登记的办件，不含已作废的（与县级端统计分析页一致）。"
    f"最小的统计单元是一个代办点一个事项一个月的办件数，1至{SUPPRESS_BELOW - 1}件只公布为“少于{SUPPRESS_BELOW}”；"
    "更大的数都由公布的单元相加，所以给出下限（_min）和上限（_max），两者相等时是确切数。"
    "寄递数同理，最小单元是一个代办点一个月。办结用时：审批类办件从部门签收材料到办结的工作日数，"
    f"一个乡镇统计期内办结不足{SUPPRESS_BELOW}件时不公布。"
)

SPARSE_COLUMNS = {"township_id": int, "item_code": str, "month": str, "cases_min": int, "cases_max": int, "cases": str}


def _count_columns(prefix: str, count: Count) -> dict:
    return {f"{prefix}_min": count.lo, f"{prefix}_max": count.hi, prefix: count.shown}


def _summed(leaves: dict, key) -> dict:
    sums: dict = defaultdict(lambda: ZERO)
    for found, count in leaves.items():
        sums[key(found)] += count
    return dict(sums)


def aggregates(session: Session, now: datetime) -> dict[str, list[dict]]:
    """Every table of the file, as rows."""
    months = window(now)
    first, last = f"{months[0]}-01", f"{months[-1]}-31"
    town_of = dict(session.execute(select(Point.id, Point.township_id)).all())
    towns = dict(session.execute(select(Township.id, Township.name).order_by(Township.id)).all())
    month = func.substr(Case.business_date, 1, 7)
    cells = session.execute(
        select(Case.point_id, Case.item_code, month, func.count())
        .where(Case.state != CaseState.VOIDED.value, Case.business_date >= first, Case.business_date <= last)
        .group_by(Case.point_id, Case.item_code, month)
    )
    # (township, item, month): the published sum of its points' cells — no point survives this line.
    cases = _summed({(p, i, m): leaf(n) for p, i, m, n in cells}, lambda k: (town_of[k[0]], k[1], k[2]))
    mail_month = func.substr(Mailing.business_date, 1, 7)
    mail_cells = session.execute(
        select(Mailing.point_id, mail_month, func.count())
        .where(Mailing.business_date >= first, Mailing.business_date <= last)
        .group_by(Mailing.point_id, mail_month)
    )
    mailings = _summed({(p, m): leaf(n) for p, m, n in mail_cells}, lambda k: (town_of[k[0]], k[1]))

    def rows(sums: dict, names: tuple[str, ...], prefix: str = "cases") -> list[dict]:
        return [{**dict(zip(names, key, strict=True)), **_count_columns(prefix, c)} for key, c in sorted(sums.items())]

    every_month = {(t, m): ZERO for t in towns for m in months}
    return {
        "townships": [{"id": tid, "name": name} for tid, name in towns.items()],
        "catalogue_items": _catalogue(),
        "cases_by_township_item_month": rows(cases, ("township_id", "item_code", "month")),
        "cases_by_township_month": rows(every_month | _summed(cases, lambda k: (k[0], k[2])), ("township_id", "month")),
        "cases_by_item_month": rows(_summed(cases, lambda k: (k[1], k[2])), ("item_code", "month")),
        "cases_by_township": rows({(t,): ZERO for t in towns} | _summed(cases, lambda k: (k[0],)), ("township_id",)),
        "cases_by_month": rows({(m,): ZERO for m in months} | _summed(cases, lambda k: (k[2],)), ("month",)),
        "mailings_by_township_month": rows(every_month | mailings, ("township_id", "month"), "mailings"),
        "service_time_by_township": _service_times(session, months, towns),
        "meta": _meta(months, now),
    }


def _catalogue() -> list[dict]:
    catalogue = load_catalogue()
    return [
        {
            "code": item.code,
            "seq": item.seq,
            "name": item.name,
            "category": item.category,
            "points_class": item.points_class,
            "points_class_label": CLASS_LABELS[item.points_class],
            "points": item.points,
            "flow": FLOW_LABELS[item.flow],
            "is_approval": item.is_approval,
            "time_limit_days": item.guide.time_limit_days,
            "units": "、".join(unit.name for unit in catalogue.units_of(item)),
        }
        for item in catalogue.items
    ]


def _service_times(session: Session, months: tuple[str, ...], towns: dict) -> list[dict]:
    spans: dict[int, dict[int, int]] = defaultdict(dict)
    for town, _item, days, n in durations(session, COUNTY, months):
        counts = spans[int(town)]
        counts[days] = counts.get(days, 0) + n
    out = []
    for tid in towns:
        days = spans.get(tid, {})
        done = sum(days.values())
        shown = done >= SUPPRESS_BELOW
        out.append(
            {
                "township_id": tid,
                **_count_columns("done", leaf(done)),
                "median_workdays": percentile_of_counts(days, 0.5) if shown else None,
                "p90_workdays": percentile_of_counts(days, 0.9) if shown else None,
            }
        )
    return out


def _meta(months: tuple[str, ...], now: datetime) -> list[dict]:
    catalogue = load_catalogue()
    return [
        {"key": "title", "value": "乡村随身办 代办点办件统计（开放数据）"},
        {"key": "period", "value": f"{months[0]} 至 {months[-1]}"},
        {"key": "generated_at", "value": now.astimezone(CHINA_TZ).isoformat(timespec="seconds")},
        {"key": "catalogue_version", "value": catalogue.version},
        {"key": "suppress_below", "value": str(SUPPRESS_BELOW)},
        {"key": "definitions", "value": DEFINITIONS},
    ]


def build(session: Session, path: Path, now: datetime) -> dict[str, int]:
    """Write the file at ``path`` (replaced whole, never half-written); {table: rows}."""
    import sqlite_utils

    tables = aggregates(session, now)
    handle, temp = tempfile.mkstemp(suffix=".sqlite", dir=path.parent)
    os.close(handle)
    os.unlink(temp)
    try:
        db = sqlite_utils.Database(temp)
        db["meta"].insert_all(tables["meta"], pk="key")
        if tables["townships"]:
            db["townships"].insert_all(tables["townships"], pk="id")
        else:  # a county not yet set up
            db["townships"].create({"id": int, "name": str}, pk="id")
        db["catalogue_items"].insert_all(tables["catalogue_items"], pk="code")
        for name, rows in tables.items():
            if name in ("meta", "townships", "catalogue_items"):
                continue
            keys = [k for k in ("township_id", "item_code", "month") if rows and k in rows[0]]
            foreign = [
                (k, "townships" if k == "township_id" else "catalogue_items", "id" if k == "township_id" else "code")
                for k in keys
                if k != "month"
            ]
            if not rows:  # no case at all in the period: the table is there, empty
                db[name].create(SPARSE_COLUMNS, pk=("township_id", "item_code", "month"))
                continue
            db[name].insert_all(rows, pk=tuple(keys) if len(keys) > 1 else keys[0], foreign_keys=foreign)
        db.close()
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return {name: len(rows) for name, rows in tables.items()}


def file_bytes(session: Session, now: datetime) -> bytes:
    """The file as bytes, for the console's download."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "open-data.sqlite"
        build(session, path, now)
        return path.read_bytes()
