"""部门回寄 in the department's queue: each return mailing's latest state at the counter (部门已寄出, 已到代办点, 已交群众)
under the filters 回寄在途 / 待群众领取 / 已交群众, scoped to the department's items. In process on SQLite and
PostgreSQL, then in a real browser with axe and screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from county.models import ReturnMailing
from county.services import departments, return_mailings
from tests.county.web.conftest import CHROMIUM, make_staff, sign_in
from tests.county.web.test_browser import look, page, site  # noqa: F401  (fixtures)
from tests.county.web.test_browser import sign_in as browser_sign_in

ARRIVED, HANDED = "2026-11-28T10:15:00.000+08:00", "2026-11-30T16:40:00.000+08:00"


def _mailed_back(console) -> dict[str, str]:
    """A's case completed and its licence mailed back, now 已到代办点; B's returned and its reply 已交群众 (the
    columns as the counters' pushes leave them, county/services/cases.py)."""
    tracking = {}
    with console.county.session() as session:
        for site, status, contents, no in (
            (console.a, "completed", "营业执照正本 1 份", "EA123456785CN"),
            (console.b, "returned", "补正材料告知书 1 份", "EA000000014CN"),
        ):
            case = departments.find_case(session, site.point_code, site.approval["receipt_no"])
            if status == "completed":
                departments.set_case_status(session, case, "accepted", "", actor="县市监局")
            departments.set_case_status(
                session, case, status, "缺少房东签字" if status == "returned" else "", actor="t"
            )
            mailing = return_mailings.record(session, case, no, contents, unit_code="scjg", actor="县市监局")
            tracking[site.approval["case_id"]] = mailing.mailing_id
        session.commit()
    with console.county.session() as session:
        a_mailing, b_mailing = tracking[console.a.approval["case_id"]], tracking[console.b.approval["case_id"]]
        session.execute(update(ReturnMailing).where(ReturnMailing.mailing_id == a_mailing).values(arrived_at=ARRIVED))
        session.execute(
            update(ReturnMailing)
            .where(ReturnMailing.mailing_id == b_mailing)
            .values(arrived_at=ARRIVED, handed_at=HANDED, handed_date="2026-11-30", receiver="family", signed=True)
        )
        session.commit()
    return tracking


def _rows(html: str) -> int:
    return html.count('<tr id="mailing-')


def test_each_filter_shows_its_mailings_with_their_state_and_counts(console):
    _mailed_back(console)
    client = console.client()
    assert sign_in(client, "department").status_code == 303
    a, b = console.a.approval["receipt_no"], console.b.approval["receipt_no"]

    desk = client.get("/console/").text  # the 工作台 counts what waits at the points, linking to it
    assert '<a href="/console/queue?show=waiting"><span class="n" id="count-returns-waiting">1</span>' in desk
    queue = client.get("/console/queue").text  # the open cases, with the filters and their counts
    assert "回寄在途（1）" in queue and "待群众领取（1）" in queue and "已交群众（1）" in queue
    waiting = client.get("/console/queue", params={"show": "waiting"}).text
    assert _rows(waiting) == 1 and a in waiting and b not in waiting
    assert '<span class="mail-state mail-arrived">已到代办点，待群众领取</span> 2026-11-28' in waiting
    on_the_way = client.get("/console/queue", params={"show": "returns"}).text
    assert _rows(on_the_way) == 1 and a in on_the_way and "EA123456785CN" in on_the_way
    handed = client.get("/console/queue", params={"show": "handed"}).text
    assert _rows(handed) == 1 and b in handed and a not in handed
    assert '<span class="mail-state mail-handed_over">已交群众</span> 2026-11-30' in handed
    assert "补正材料告知书 1 份" in handed
    unknown = client.get("/console/queue", params={"show": "everything"}).text
    assert _rows(unknown) == 0 and "没有待办的办件" in unknown  # an unknown filter: the open cases


def test_another_department_sees_none_of_them(console):
    _mailed_back(console)
    make_staff(console.county, "other.dept", "department", unit="rsj")  # a unit handling none of these items
    client = console.client()
    assert sign_in(client, "other.dept").status_code == 303
    for show in ("", "returns", "waiting", "handed"):
        html = client.get("/console/queue", params={"show": show}).text
        assert _rows(html) == 0 and console.a.approval["receipt_no"] not in html
        assert console.b.approval["receipt_no"] not in html
    assert "待群众领取（0）" in html and "已交群众（0）" in html


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)")
@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_department_clerk_finds_what_waits_at_the_points_in_a_browser(console, site, page):
    _mailed_back(console)
    browser_sign_in(page, site, "department")
    page.wait_for_url("**/console/")
    page.click("nav >> text=待办办件")
    page.click("nav.filters >> text=待群众领取（1）")
    page.wait_for_url("**/console/queue?show=waiting")
    row = page.locator(f"#mailing-{_id(console, 'a')}")
    assert "已到代办点，待群众领取" in row.inner_text() and console.a.approval["receipt_no"] in row.inner_text()
    look(page, "queue-returns-waiting")
    page.click("nav.filters >> text=已交群众（1）")
    page.wait_for_url("**/console/queue?show=handed")
    assert "已交群众 2026-11-30" in page.locator(f"#mailing-{_id(console, 'b')}").inner_text()
    look(page, "queue-returns-handed")
    page.click(f"text={console.b.approval['receipt_no']}")  # on to the case page's return mailings
    page.wait_for_url(f"**/console/cases/{console.b.approval['case_id']}#return-mailings")
    assert "已交群众 2026-11-30（家属代领" in page.inner_text("main")


def _id(console, which: str) -> str:
    case_id = getattr(console, which).approval["case_id"]
    with console.county.session() as session:
        return session.query(ReturnMailing.mailing_id).filter(ReturnMailing.case_id == case_id).scalar()
