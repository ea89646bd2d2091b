"""The case list at scale: newest first through its index, pages by keyset (each case once, however many arrive
while someone pages), a capped count, and a receipt prefix narrowed to its point — still exactly the rows the
plain query returns."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
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
    """Every page, following each page's link to the older one, as the list's 下一页 does."""
    seen, total, after = [], 0, ""
    while True:
        found = queries.search_cases(db, scope, queries.CaseQuery(**filters), after=after)
        seen += [case.case_id for case, _code in found.rows]
        total = found.total
        assert len(found.rows) <= queries.PAGE_SIZE
        if found.older is None:
            return seen, total
        assert len(found.rows) == queries.PAGE_SIZE  # only a full page has one after it
        after = found.older


def _add_case(db, like: dict, n: int, day: date) -> tuple[str, str]:
    """A new case at ``like``'s point, recorded on ``day`` (a counter's push arriving while someone pages)."""
    receipt = format_receipt_no(like["code"], day, 2, n)
    case_id = f"{n + 5000:032x}"
    keep = {k: v for k, v in like.items() if k in Case.__table__.c}
    db.add(Case(**{**keep, "case_id": case_id, "receipt_no": receipt, "business_date": day.isoformat()}))
    db.commit()
    return receipt, case_id


def test_pages_walk_newest_first_past_the_capped_count(county_engine, cases, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 7)
    monkeypatch.setattr(queries, "COUNT_CAP", 30)
    with Session(county_engine) as db:
        seen, total = _all_pages(db, Scope(StaffRole.BUREAU_CLERK))
        assert total == 31  # counted one past the cap: "more than 30"
        assert seen == _expected(cases, lambda r: True)  # every case once, newest first, the cap no wall
        first = queries.search_cases(db, Scope(StaffRole.BUREAU_CLERK), queries.CaseQuery())
        assert first.newer is None and first.older == queries.page_key(first.rows[-1][0])


def test_next_and_previous_pages_show_each_case_once_while_cases_arrive(county_engine, cases, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 8)
    bureau, everything = Scope(StaffRole.BUREAU_CLERK), queries.CaseQuery()
    newest_first = _expected(cases, lambda r: True)
    with Session(county_engine) as db:
        pages = [queries.search_cases(db, bureau, everything)]
        arrived = []
        for n in range(4):  # four pages on, a newer case arrives before each click on 下一页
            arrived.append(_add_case(db, cases[n], n + 1, date(2026, 11, 20)))
            pages.append(queries.search_cases(db, bureau, everything, after=pages[-1].older))
        shown = [case.case_id for page in pages for case, _code in page.rows]
        assert shown == newest_first[: 8 * 5]  # not shifted by the new ones: none twice, none skipped
        back = queries.search_cases(db, bureau, everything, before=pages[-1].newer)  # 上一页
        assert [c.case_id for c, _ in back.rows] == [c.case_id for c, _ in pages[-2].rows]
        assert back.older == pages[-2].older and back.newer == pages[-2].newer
        top = queries.search_cases(db, bureau, everything, before=pages[1].newer)  # back to the top
        assert [c.case_id for c, _ in top.rows] == newest_first[:8]
        assert top.newer is not None  # the four that arrived are newer still: a page above
        newest = queries.search_cases(db, bureau, everything, before=top.newer)
        arrived_newest_first = [case_id for _receipt, case_id in sorted(arrived, reverse=True)]  # all one day
        assert [c.case_id for c, _ in newest.rows] == arrived_newest_first + newest_first[:4]  # the first page, whole
        assert newest.newer is None


def test_a_page_key_that_is_not_one_shows_the_first_page(county_engine, cases):
    bureau = Scope(StaffRole.BUREAU_CLERK)
    with Session(county_engine) as db:
        first = queries.search_cases(db, bureau, queries.CaseQuery())
        for bad in ("", "2026-13-01.0001", "nonsense", "2026-11-01.", "2026-11-01.x' OR 1=1"):
            again = queries.search_cases(db, bureau, queries.CaseQuery(), after=bad)
            assert [c.case_id for c, _ in again.rows] == [c.case_id for c, _ in first.rows], bad
        past = queries.search_cases(db, bureau, queries.CaseQuery(), after="2000-01-01.0001")
        assert past.rows == [] and past.older is None and past.newer is None


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


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_townships_list_walks_the_date_index_on_sqlite(county_engine, cases):
    """Not the township's cases read by point and all sorted: the list's index, newest first, points checked in it."""
    township = Scope(StaffRole.TOWNSHIP, township_id=cases[0]["township_id"])
    with Session(county_engine) as db:
        filters = queries.case_filters(township, queries.CaseQuery(), db)
        query = select(Case.case_id).where(*filters).order_by(Case.business_date.desc(), Case.receipt_no.desc())
        sql = str(query.limit(50).compile(county_engine, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(row[-1]) for row in db.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "ix_case_date_receipt" in plan and "TEMP B-TREE" not in plan
