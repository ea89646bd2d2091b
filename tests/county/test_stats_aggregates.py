"""The running aggregates (统计汇总) equal a full recompute from the cases after any mix of writes.

A seeded random sequence of transactions on a real database (SQLite file and PostgreSQL): batches of new cases
written as ingest writes them (``bulk.insert_rows``: COPY on PostgreSQL), completions through the ORM, voids,
disqualifications through ``departments.disqualify_case`` and their reversal, credit months moved by a bulk
``UPDATE … FROM unnest`` (``bulk.update_rows``), mailings added and removed, and transactions rolled back. After
each step the two aggregate tables must equal what this test sums from every case and mailing in Python;
at the end ``stats_aggregates.rebuild`` must leave them the same.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.models import (
    Case,
    Mailing,
    Point,
    StatsDoneDays,
    StatsMonthItem,
    StatsMonthPoint,
    StatsMonthTownship,
    StatsOpenCase,
    Township,
)
from county.services import bulk, stats_aggregates
from county.services.crediting import county_workdays
from county.services.departments import disqualify_case
from county.services.due import signed_on
from sync.ledger.events import CHINA_TZ, parse_time
from sync.ledger.workdays import OPEN_STATES, working_days_between

ITEMS = ("FL012", "FL015", "FL020", "FL031")
MODES = ("point", "home", "activity")
MONTHS = ("2026-09", "2026-10", "2026-11", "2026-12")
FLOWS = ("payment", "online", "approval")
OPEN = sorted(state.value for state in OPEN_STATES)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def _expected(session: Session) -> tuple[dict, ...]:
    """Every table summed from the cases and mailings in Python, rows that are all zero left out."""
    town = {pid: tid for pid, tid in session.execute(select(Point.id, Point.township_id))}
    workdays = county_workdays(session)
    by_point: Counter = Counter()
    by_item: Counter = Counter()
    open_cases: Counter = Counter()
    done_days: Counter = Counter()
    for c in session.scalars(select(Case)):
        if c.flow != "payment" and c.state in OPEN:
            start = c.business_date
            if c.flow == "approval":  # the day the department signed for the materials, '' before that
                start = f"{signed_on(c):%Y-%m-%d}" if c.materials_signed_at else ""
            open_cases[(town[c.point_id], c.item_code, c.flow, start)] += 1
        if c.flow == "approval" and c.state == "completed" and c.materials_signed_at and c.completed_at:
            done = parse_time(c.completed_at).astimezone(CHINA_TZ).date()
            days = working_days_between(signed_on(c), done, workdays)
            done_days[(f"{done:%Y-%m}", town[c.point_id], c.item_code, days)] += 1
        if c.state == "voided":
            continue
        month = c.business_date[:7]
        by_point[(month, c.point_id, "cases")] += 1
        by_item[(month, town[c.point_id], c.item_code, c.mode, "cases")] += 1
        if c.credit_month and not c.disqualified:
            by_point[(c.credit_month, c.point_id, "points")] += c.points
            by_item[(c.credit_month, town[c.point_id], c.item_code, c.mode, "points")] += c.points
    for m in session.scalars(select(Mailing)):
        by_point[(m.business_date[:7], m.point_id, "mailings")] += 1
    points: dict = {}
    for (month, pid, figure), value in by_point.items():
        points.setdefault((month, pid), {"cases": 0, "points": 0, "mailings": 0})[figure] = value
    items: dict = {}
    for (month, tid, code, mode, figure), value in by_item.items():
        items.setdefault((month, tid, code, mode), {"cases": 0, "points": 0})[figure] = value
    towns: dict = {}
    for (month, pid), figures in points.items():  # each point's month cut at the cap, then summed by township
        row = towns.setdefault((month, town[pid]), {"cases": 0, "points": 0, "capped": 0, "mailings": 0})
        for figure, value in figures.items():
            row[figure] += value
        row["capped"] += min(figures["points"], stats_aggregates.MONTHLY_CAP)
    counts = ({k: {"cases": n} for k, n in open_cases.items()}, {k: {"cases": n} for k, n in done_days.items()})
    return _nonzero(points), _nonzero(items), *(_nonzero(c) for c in counts), _nonzero(towns)


def _nonzero(rows: dict) -> dict:
    return {key: figures for key, figures in rows.items() if any(figures.values())}


def _stored(session: Session) -> tuple[dict, dict]:
    points = {
        (r.month, r.point_id): {"cases": r.cases, "points": r.points, "mailings": r.mailings}
        for r in session.scalars(select(StatsMonthPoint))
    }
    items = {
        (r.month, r.township_id, r.item_code, r.mode): {"cases": r.cases, "points": r.points}
        for r in session.scalars(select(StatsMonthItem))
    }
    open_cases = {
        (r.township_id, r.item_code, r.flow, r.start_date): {"cases": r.cases}
        for r in session.scalars(select(StatsOpenCase))
    }
    done_days = {
        (r.month, r.township_id, r.item_code, r.days): {"cases": r.cases}
        for r in session.scalars(select(StatsDoneDays))
    }
    towns = {
        (r.month, r.township_id): {"cases": r.cases, "points": r.points, "capped": r.capped, "mailings": r.mailings}
        for r in session.scalars(select(StatsMonthTownship))
    }
    return _nonzero(points), _nonzero(items), _nonzero(open_cases), _nonzero(done_days), _nonzero(towns)


def _setup(session: Session) -> list[int]:
    towns = [Township(name=f"聚合测试{n}镇", created_at=CREATED) for n in range(3)]
    session.add_all(towns)
    session.flush()
    points = [
        Point(code=f"9{n:03d}", name=f"测试{n}号代办点", kind="shop", township_id=towns[n % 3].id, created_at=CREATED)
        for n in range(6)
    ]
    session.add_all(points)
    session.commit()
    return [p.id for p in points]


def _new_cases(rng: random.Random, pids: list[int], serial: int, count: int) -> list[dict]:
    rows = []
    for n in range(serial, serial + count):
        month = rng.choice(MONTHS)
        done = rng.random() < 0.6
        flow = rng.choice(FLOWS)
        state = "completed" if done else rng.choice(OPEN)
        signed = f"{month}-{rng.randint(1, 28):02d}T{rng.choice(('07', '12', '23'))}:30:00.000+08:00"
        rows.append(
            dict(
                case_id=f"agg{n:08d}",
                point_id=rng.choice(pids),
                device_id="dev",
                receipt_no=f"R{n:08d}",
                item_code=rng.choice(ITEMS),
                flow=flow,
                points=rng.choice((1, 2, 3, 5)),
                mode=rng.choice(MODES),
                applicant_kind="person",
                state=state,
                business_date=f"{month}-{rng.randint(1, 28):02d}",
                recorded_at=f"{month}-01T09:00:00.000+08:00",
                completed_at=f"{month}-{rng.randint(2, 28):02d}T{rng.choice(('01', '09', '18'))}:00:00.000+08:00"
                if done
                else None,
                completed_month=month if done else None,
                credited_at=f"{month}-02T09:00:00.000+08:00" if done else None,
                credit_month=month if done else None,
                credit_flag=None,
                disqualified=False,
                disqualify_reason=None,
                materials_signed_at=signed if flow == "approval" and rng.random() < 0.7 else None,
            )
        )
    return rows


def _step(session: Session, rng: random.Random, pids: list[int], serial: int) -> int:
    """One random transaction; returns the next case serial."""
    cases = list(session.scalars(select(Case).order_by(Case.case_id)))
    action = rng.choice(
        ("ingest", "ingest", "complete", "void", "disqualify", "reinstate", "move", "mail", "gone", "sign", "status")
    )
    if action == "ingest" or not cases:
        count = rng.randint(1, 40)
        bulk.insert_rows(session, Case.__table__, _new_cases(rng, pids, serial, count))
        serial += count
    elif action == "complete":
        for c in rng.sample(cases, min(len(cases), 5)):
            if c.state in OPEN:
                month = rng.choice(MONTHS)
                c.state, c.credit_month, c.credited_at = "completed", month, f"{month}-03T10:00:00.000+08:00"
                c.completed_at, c.completed_month = c.credited_at, month
    elif action == "sign":  # a department signs for the materials (材料已签收)
        for c in rng.sample(cases, min(len(cases), 5)):
            if c.flow == "approval" and c.materials_signed_at is None:
                c.materials_signed_at = f"{rng.choice(MONTHS)}-10T16:20:00.000+08:00"
    elif action == "status":  # a department's status moves an open case along
        for c in rng.sample(cases, min(len(cases), 5)):
            if c.state in OPEN:
                c.state = rng.choice([*OPEN, "returned"])
    elif action == "void":
        for c in rng.sample(cases, min(len(cases), 3)):
            c.state = "voided"
    elif action == "disqualify":
        for c in rng.sample(cases, min(len(cases), 3)):
            if not c.disqualified:
                disqualify_case(session, c, "同一证件一天内重复办理", actor="test")
    elif action == "reinstate":
        for c in cases:
            if c.disqualified and rng.random() < 0.5:
                c.disqualified = False
    elif action == "move":  # the month administration moves credit months in one bulk statement
        moved = [c for c in rng.sample(cases, min(len(cases), 8)) if c.credit_month]
        rows = [{"case_id": c.case_id, "credit_month": rng.choice(MONTHS), "points": rng.randint(1, 5)} for c in moved]
        session.flush()
        bulk.update_rows(session, Case.__table__, "case_id", rows)
    elif action == "mail":
        for n in range(rng.randint(1, 4)):
            mailing = Mailing(
                mailing_id=f"m{serial}-{n}",
                point_id=rng.choice(pids),
                direction="outbound",
                state="sent",
                tracking_no=None,
                business_date=f"{rng.choice(MONTHS)}-05",
            )
            session.add(mailing)
    else:  # a case or a mailing deleted outright (retention, a test database cleared)
        session.delete(rng.choice(cases))
        mailing = session.scalar(select(Mailing).limit(1))
        if mailing is not None:
            session.delete(mailing)
    serial += 1
    if rng.random() < 0.15:  # the writer failed: nothing of it, aggregates included, is kept
        session.flush()
        session.rollback()
    else:
        session.commit()
    return serial


def _small_cap(session: Session, monkeypatch) -> None:
    """A monthly cap of 12 points in the triggers (the real 1000 is out of reach of a few dozen cases), so the
    capped points are cut for some points' months."""
    monkeypatch.setattr(stats_aggregates, "MONTHLY_CAP", 12)
    stats_aggregates.uninstall_township(session.connection())
    stats_aggregates.install_township(session.connection())
    session.commit()


def test_aggregates_equal_a_full_recompute(county_engine, monkeypatch):
    rng = random.Random(20261207)
    with Session(county_engine, expire_on_commit=True) as session:
        pids = _setup(session)
        _small_cap(session, monkeypatch)
        serial = 0
        for _ in range(60):
            serial = _step(session, rng, pids, serial)
            assert _stored(session) == _expected(session)
        expected = _expected(session)
        assert sum(f["cases"] for f in expected[0].values()) > 100  # the sequence did write a county's worth
        assert any(f["mailings"] for f in expected[0].values())
        assert any(c.disqualified for c in session.scalars(select(Case)))
        assert expected[2] and expected[3]  # open cases and approval completions were counted too
        capped = [f for f in expected[4].values() if f["capped"] < f["points"]]
        assert capped and any(f["capped"] > 0 for f in capped)  # some point's month was cut at the cap
        stats_aggregates.rebuild(session.connection())
        session.commit()
        assert _stored(session) == expected


def test_triggers_off_then_rebuild(county_engine, capsys):
    """Rows generated straight into the table with maintenance off are not counted until
    ``suishenban-county stats-rebuild``; afterwards the triggers keep them again."""
    from county import cli as county_cli

    rng = random.Random(7)
    with Session(county_engine) as session:
        pids = _setup(session)
        stats_aggregates.set_maintained(session.connection(), False)
        session.commit()
        bulk.insert_rows(session, Case.__table__, _new_cases(rng, pids, 0, 50))
        session.commit()
        assert _stored(session) == ({}, {}, {}, {}, {})
        stats_aggregates.set_maintained(session.connection(), True)
        session.commit()
        assert _stored(session) == ({}, {}, {}, {}, {})
        session.close()
        url = county_engine.url.render_as_string(hide_password=False)
        assert county_cli.main(["--db", url, "stats-rebuild"]) == 0
        assert "统计汇总已重新计算" in capsys.readouterr().out
        assert _stored(session) == _expected(session)
        bulk.insert_rows(session, Case.__table__, _new_cases(rng, pids, 100, 5))  # maintained again
        session.commit()
        assert _stored(session) == _expected(session)


def test_a_new_working_day_table_recounts_the_time_to_banjie(county_engine):
    """The county declares holidays in October: the completions' working days are counted again on the new table,
    in the same transaction as the publication."""
    from datetime import date, timedelta

    from county.services.workdays import publish_table
    from sync.ledger.workdays import WorkdayTable

    rng = random.Random(11)
    with Session(county_engine) as session:
        pids = _setup(session)
        rows = _new_cases(rng, pids, 0, 150)
        bulk.insert_rows(session, Case.__table__, rows)
        session.commit()
        before = _stored(session)
        assert before[3] == _expected(session)[3] and before[3]
        current = county_workdays(session)
        october = {date(2026, 10, 1) + timedelta(days=n) for n in range(31)}
        holidays = current.holidays | {d for d in october if d.weekday() < 5}
        publish_table(session, WorkdayTable(current.years | {2026}, frozenset(holidays), current.workdays), actor="t")
        session.commit()
        after = _stored(session)
        assert after[3] == _expected(session)[3]
        assert after[3] != before[3]  # some approvals spanned October's working days


def test_the_migration_fills_the_township_table_from_the_point_rows(county_engine):
    """0030_stats_township on a county that already has cases: the (month, township) rows are summed from the
    (month, point) rows once, then kept by the triggers; its downgrade removes both."""
    from alembic import command

    from county.db import alembic_config, upgrade

    command.downgrade(alembic_config(county_engine), "0029_console_indexes")
    rng = random.Random(30)
    with Session(county_engine) as session:
        pids = _setup(session)
        bulk.insert_rows(session, Case.__table__, _new_cases(rng, pids, 0, 80))
        session.commit()
    upgrade(county_engine)
    with Session(county_engine) as session:
        assert _stored(session) == _expected(session) and _stored(session)[4]
        bulk.insert_rows(session, Case.__table__, _new_cases(rng, pids, 100, 20))
        session.commit()
        assert _stored(session) == _expected(session)
