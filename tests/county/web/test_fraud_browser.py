"""刷单复核 in a real browser: a township reviewer opens the queue, reads the rule's explanation, disqualifies two
of the cases with a reason; every page checked by axe-core and photographed at both sizes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from county.models import Case, CountyEvent, Point
from tests.county.web.conftest import CHROMIUM
from tests.county.web.fraud_seed import repeated_applicant
from tests.county.web.test_browser import Path, look, page, sign_in, site  # noqa: F401

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)"),
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
]


def test_a_township_reviewer_disqualifies_two_cases_of_a_flagged_point(console, site, page):
    _review_id, receipts = repeated_applicant(console)
    sign_in(page, site, "township.a")
    page.wait_for_url("**/console/")
    page.click("nav >> text=刷单复核")
    look(page, "fraud-queue")
    page.click(f"main a:has-text('{console.a.point_code}')")
    assert "超过设定的每天 3 次" in page.inner_text("main")
    look(page, "fraud-item")
    page.check(f"input[aria-label='取消回执 {receipts[0]} 的资格']")
    page.check(f"input[aria-label='取消回执 {receipts[1]} 的资格']")
    page.fill("#reason", "同一人同一天重复登记助农取现")
    page.click("button:has-text('取消所选办件的资格')")
    page.wait_for_selector("text=已取消资格：同一人同一天重复登记助农取现")
    assert "待复核" not in page.inner_text("main .card")
    look(page, "fraud-decided")
    with console.county.session() as db:
        point_id = db.scalar(select(Point.id).where(Point.code == console.a.point_code))
        out = db.scalars(select(Case.receipt_no).where(Case.disqualified.is_(True)).order_by(Case.receipt_no)).all()
        assert out == receipts[:2]
        statement = db.scalar(
            select(CountyEvent.payload)
            .where(CountyEvent.point_id == point_id, CountyEvent.kind == "points_statement")
            .order_by(CountyEvent.id.desc())
        )
    assert [f["receipt_no"] for f in statement["flags"] if f["flag"] == "disqualified"] == receipts[:2]
