"""The statistics page's further tables — quarter, point, item, class, approval items' time to 办结 and overdue
cases, sync health — against a known history, and the county's figure as the sum of its townships for every
measure of every table, with each township's own page showing the county's row for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from county.models import Case, Device, Point, TamperFlag
from county.services import statistics
from county.services.common import utcnow
from county.services.scope import Scope
from county.services.stats_timeliness import percentile
from sync.ledger.kinds import CaseState
from tests.county.web.stats_data import add_history
from tests.county.web.test_stats import signed_in, tables

SIGNED = "T10:00:00.000+08:00"
DONE = "T15:00:00.000+08:00"


def board_of(console, user: str) -> statistics.Dashboard:
    with console.county.session() as db:
        return statistics.dashboard(db, Scope.of(db.merge(console.users[user])), utcnow())


def approval_history(console) -> None:
    """瑶里镇's approval case signed for Monday 2 November and completed Friday the 6th (4 working days), two
    more of its kind taking 1 and 9 working days; 经公桥镇's one taking 2, and its fixture case signed for on
    16 November and still open on the 27th, past FL015's 3 working days."""
    with console.county.session() as db:
        a = db.get(Case, console.a.approval["case_id"])
        b = db.get(Case, console.b.approval["case_id"])
        _complete(a, "2026-11-02", "2026-11-06")
        for n, (signed, done) in enumerate((("2026-11-09", "2026-11-10"), ("2026-10-19", "2026-10-30"))):
            _complete(_copy(db, a, f"a{n}"), signed, done)  # 10-19 → 10-30: 9 working days
        _complete(_copy(db, b, "b0"), "2026-11-23", "2026-11-25")
        b.materials_signed_at, b.state = f"2026-11-16{SIGNED}", CaseState.MATERIALS_RECEIVED.value
        db.commit()


def _complete(case: Case, signed: str, done: str) -> None:
    case.materials_signed_at, case.completed_at = f"{signed}{SIGNED}", f"{done}{DONE}"
    case.state, case.completed_month = CaseState.COMPLETED.value, done[:7]


def _copy(db, case: Case, tag: str) -> Case:
    columns = {c.key: getattr(case, c.key) for c in Case.__table__.columns}
    copy = Case(**{**columns, "case_id": f"{case.case_id[:-2]}{tag}", "receipt_no": f"{case.receipt_no}{tag}"})
    db.add(copy)
    return copy


def sync_history(console) -> None:
    """瑶里镇: its fixture point seen a day ago, the history's point 10 days ago, one open tamper flag and one
    resolved; 经公桥镇: its point never seen, its device's clock wrong."""
    now = utcnow()
    with console.county.session() as db:
        for which, seen, wrong in (
            (Point.code == console.a.point_code, now - timedelta(days=1), False),
            (Point.name == "瑶里村代办点二", now - timedelta(days=10), False),
            (Point.code == console.b.point_code, None, True),
        ):
            point = db.scalar(select(Point).where(which))
            for device in db.scalars(select(Device).where(Device.point_id == point.id)):
                device.last_seen_at, device.clock_wrong = seen, wrong
        a = db.scalar(select(Point).where(Point.code == console.a.point_code))
        device = db.scalar(select(Device).where(Device.point_id == a.id))
        for resolved in (None, now):
            db.add(
                TamperFlag(
                    device_id=device.id,
                    point_id=a.id,
                    seq=1,
                    kind="edited",
                    detail="",
                    created_at=now,
                    resolved_at=resolved,
                )
            )
        db.commit()


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_quarter_point_item_and_class_tables(console):
    add_history(console)
    found = tables(signed_in(console, "bureau.clerk").get("/console/stats").text)
    assert found["quarter"] == {
        "2025年第4季度（仅12月）": {"cases": 0, "points": 0, "capped": 0, "mailings": 0},
        "2026年第1季度": {"cases": 3, "points": 6, "capped": 6, "mailings": 0},
        "2026年第2季度": {"cases": 0, "points": 0, "capped": 0, "mailings": 0},
        "2026年第3季度": {"cases": 0, "points": 0, "capped": 0, "mailings": 0},
        "2026年第4季度（仅10月、11月）": {"cases": 6, "points": 6, "capped": 6, "mailings": 1},
        "合计": {"cases": 9, "points": 12, "capped": 12, "mailings": 1},
    }
    points = {label.split(" ", 1)[1]: figures for label, figures in found["point"].items() if " " in label}
    assert points == {
        "瑶里村小卖部": {"cases": 2, "points": 0, "capped": 0, "mailings": 0},
        "经公桥村便民店": {"cases": 2, "points": 0, "capped": 0, "mailings": 0},
        "瑶里村代办点二": {"cases": 5, "points": 12, "capped": 12, "mailings": 1},
    }
    assert found["item"]["FL012 助农取现"] == {"cases": 7, "points": 12}
    assert found["item"]["FL015 个体工商户设立登记"] == {"cases": 2, "points": 0}
    assert found["item"]["FL001 缴纳话费"] == {"cases": 0, "points": 0}
    assert found["class"] == {
        "一类": {"cases": 0, "points": 0},
        "二类": {"cases": 0, "points": 0},
        "三类": {"cases": 7, "points": 12},
        "四类": {"cases": 2, "points": 0},
        "五类": {"cases": 0, "points": 0},
        "合计": {"cases": 9, "points": 12},
    }
    department = tables(signed_in(console, "department").get("/console/stats").text)
    assert "point" not in department and "sync" not in department  # a department lists no points
    assert department["class"]["合计"] == {"cases": 2, "points": 0}


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_time_to_banjie_and_overdue_cases(console):
    approval_history(console)
    found = tables(signed_in(console, "bureau.clerk").get("/console/stats").text)
    assert found["speed_township"] == {
        "瑶里镇": {"done": 3, "median": 4, "p90": 9, "overdue": 0},
        "经公桥镇": {"done": 1, "median": 2, "p90": 2, "overdue": 1},
        "合计": {"done": 4, "median": 2, "p90": 9, "overdue": 1},  # over the county's four cases, not summed
    }
    assert found["speed_item"]["FL015 个体工商户设立登记"] == {"done": 4, "median": 2, "p90": 9, "overdue": 1}
    assert found["speed_item"]["FL019 户外广告（店牌店招设置的管理）"] == {
        "done": 0,
        "median": "—",
        "p90": "—",
        "overdue": 0,
    }
    own = tables(signed_in(console, "township.b").get("/console/stats").text)
    assert own["speed_township"] == {
        "经公桥镇": {"done": 1, "median": 2, "p90": 2, "overdue": 1},
        "合计": {"done": 1, "median": 2, "p90": 2, "overdue": 1},
    }


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([9, 1, 4, 2], 0.5) == 2 and percentile([9, 1, 4, 2], 0.9) == 9
    assert percentile(list(range(1, 11)), 0.9) == 9 and percentile(list(range(1, 11)), 0.5) == 5


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_sync_health_by_township(console):
    add_history(console)
    sync_history(console)
    found = tables(signed_in(console, "bureau.clerk").get("/console/stats").text)["sync"]
    latest = {label: figures.pop("last_batch") for label, figures in found.items()}
    assert found == {
        "瑶里镇": {"active": 2, "silent": 1, "clock": 0, "tamper": 1},
        "经公桥镇": {"active": 1, "silent": 1, "clock": 1, "tamper": 0},
        "合计": {"active": 3, "silent": 2, "clock": 1, "tamper": 1},
    }
    today = utcnow().astimezone(statistics.CHINA_TZ).strftime("%Y-%m-%d")
    assert latest["瑶里镇"].startswith(today) and latest["经公桥镇"].startswith(today)
    assert latest["合计"] == max(latest["瑶里镇"], latest["经公桥镇"])


@pytest.mark.parametrize("county_engine", ["sqlite", "postgres"], indirect=True)
def test_every_county_figure_is_the_sum_of_its_townships(console):
    add_history(console)
    approval_history(console)
    sync_history(console)
    county = board_of(console, "bureau_clerk")
    by_township = {"township": "month", "speed_township": "speed_item", "sync": None}
    for name, other in by_township.items():
        table = county.tables[name]
        for column in table.columns:
            if column in table.fixed:  # a percentile or the latest time: taken over the county, checked below
                continue
            assert table.total[column] == sum(r.figures[column] for r in table.rows), (name, column)
            if other:  # the same figure reached another way: by month, by item
                assert table.total[column] == county.tables[other].total[column], (name, column)
    for column in ("cases", "points", "capped", "mailings"):
        for name in ("quarter", "point"):
            assert county.tables[name].total[column] == county.tables["township"].total[column], (name, column)
    for name in ("item", "category", "class", "mode"):
        assert county.tables[name].total == {c: county.tables["township"].total[c] for c in ("cases", "points")}
    for user in ("township_a", "township_b"):
        own = board_of(console, user)
        for name in by_township:
            (row,) = own.tables[name].rows
            county_row = next(r for r in county.tables[name].rows if r.key == row.key)
            assert row.figures == county_row.figures == own.tables[name].total, (user, name)
        assert own.tables["month"].total == own.tables["township"].total
    latest = [r.figures["last_batch"] for r in county.tables["sync"].rows]
    assert county.tables["sync"].total["last_batch"] == max(latest)
