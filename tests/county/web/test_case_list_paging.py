"""The case list at scale: newest first through its index, a capped count, pages ending at the cap, and a
receipt prefix narrowed to its point — still exactly the rows the plain query returns."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from county.models import Case
from county.services import admin
from county.services.scope import Scope
from county.services.staff import StaffRole
from county.web import queries
from sync.ledger.receipts import format_receipt_no

STATES = ("recorded", "in_review", "completed", "returned")
ITEMS = ("FL001", "FL015", "FL012")


@pytest.fixture
def cases(county_engine) -> list[dict]:
    """Three points in two townships, 90 cases over 40 days, several on one day at one point."""
    rng = random.Random(5)
    rows = []
    with Session(county_engine) as session:
        for township in ("瑶里镇", "鹅湖镇"):
            admin.create_township(session, township, actor="test")
        points = [
            admin.create_point(session, f"村小卖部{i}", ("瑶里镇", "鹅湖镇", "瑶里镇")[i], actor="test")
            for i in range(3)
        ]
        session.flush()
        serials: dict[tuple[str, date], int] = {}
        for n in range(90):
            point = points[n % 3]
            day = date(2026, 10, 1) + timedelta(days=rng.randrange(40))
            serials[point.code, day] = serials.get((point.code, day), 0) + 1
            receipt = format_receipt_no(point.code, day, 1, serials[point.code, day])
            row = dict(
                case_id=f"{n:032x}",
                point_id=point.id,
                device_id="d" * 32,
                receipt_no=receipt,
                item_code=ITEMS[n % 3],
                flow="payment",
                points=1,
                mode="point",
                applicant_kind="person",
                state=STATES[rng.randrange(len(STATES))],
                business_date=day.isoformat(),
                recorded_at=f"{day.isoformat()}T09:00:00.000+08:00",
            )
            session.add(Case(**row))
            rows.append({**row, "township": ("瑶里镇", "鹅湖镇", "瑶里镇")[n % 3], "code": point.code})
        session.commit()
        ids = dict(session.execute(text("SELECT name, id FROM township")).all())
    for row in rows:
        row["township_id"] = ids[row["township"]]
    return rows


def _expected(rows: list[dict], keep) -> list[str]:
    chosen = [r for r in rows if keep(r)]
    chosen.sort(key=lambda r: (r["business_date"], r["receipt_no"]), reverse=True)
    return [r["case_id"] for r in chosen]


def _all_pages(db, scope, **filters) -> tuple[list[str], int]:
    seen, total, page = [], 0, 1
    while True:
        rows, total = queries.search_cases(db, scope, queries.CaseQuery(**filters), page=page)
        seen += [case.case_id for case, _code in rows]
        if len(rows) < queries.PAGE_SIZE or page >= queries.max_page():
            return seen, total
        page += 1


def test_pages_walk_newest_first_and_stop_at_the_cap(county_engine, cases, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 7)
    monkeypatch.setattr(queries, "COUNT_CAP", 30)
    with Session(county_engine) as db:
        seen, total = _all_pages(db, Scope(StaffRole.BUREAU_CLERK))
        assert total == 31  # counted one past the cap: "more than 30"
        assert seen == _expected(cases, lambda r: True)[:35]  # pages run to the one the cap falls in
        beyond, _ = queries.search_cases(db, Scope(StaffRole.BUREAU_CLERK), queries.CaseQuery(), page=99)
        assert [c.case_id for c, _ in beyond] == seen[28:35]  # a page past the cap shows the last one


@pytest.mark.parametrize(
    "filters", [{}, {"state": "in_review"}, {"item": "fl015"}, {"state": "completed", "item": "FL001"}]
)
def test_filters_and_scope_return_exactly_the_matching_cases(county_engine, cases, filters):
    township = cases[0]["township_id"]
    keep_state = filters.get("state")
    keep_item = filters.get("item", "").upper()

    def matches(r):
        return (not keep_state or r["state"] == keep_state) and (not keep_item or r["item_code"] == keep_item)

    with Session(county_engine) as db:
        seen, total = _all_pages(db, Scope(StaffRole.BUREAU_CLERK), **filters)
        assert seen == _expected(cases, matches) and total == len(seen)
        seen, total = _all_pages(db, Scope(StaffRole.TOWNSHIP, township_id=township), **filters)
        assert seen == _expected(cases, lambda r: matches(r) and r["township_id"] == township)
        assert total == len(seen)


def test_a_receipt_prefix_finds_the_same_cases_as_before(county_engine, cases):
    some = cases[4]["receipt_no"]
    with Session(county_engine) as db:
        for prefix in (some, some[:11], some[:6], some[:4], some[:2], "9999", "05_3", some.replace("-", "")[:3]):
            seen, total = _all_pages(db, Scope(StaffRole.BUREAU_CLERK), receipt=prefix)
            clean = prefix.replace("_", "")
            assert seen == _expected(cases, lambda r, p=clean: r["receipt_no"].startswith(p)), prefix
            assert total == len(seen)


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)  # the query plan's wording is SQLite's
def test_the_bureau_list_reads_the_date_index_on_sqlite(county_engine, cases):
    query = Scope(StaffRole.BUREAU_CLERK).cases().order_by(Case.business_date.desc(), Case.receipt_no.desc())
    sql = str(query.limit(50).compile(county_engine, compile_kwargs={"literal_binds": True}))
    with county_engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "ix_case_date_receipt" in plan and "TEMP B-TREE" not in plan
