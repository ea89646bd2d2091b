"""Two journeys in a real browser against the county on loopback, with a real counter beside it: a department
clerk completes a case and the counter shows it at its next sync; a finance user's write is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from county.models import Point
from desktop.services.case_detail import load_detail
from desktop.services.session import Counter
from desktop.settings import Settings
from sync.ledger.forms import draft_materials_sent
from sync.ledger.kinds import CaseState
from tests.county.test_sync_e2e import activated, engine_for
from tests.county.web.conftest import CHROMIUM, PASSWORD, make_staff
from tests.factories import make_case_draft

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)"),
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, site: str, username: str) -> None:
    page.goto(f"{site}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")


def test_the_counter_shows_what_the_department_did_in_the_browser_after_its_next_sync(
    county, tmp_path, catalogue, page
):
    store, _setup = activated(county, tmp_path)
    counter = Counter(store, catalogue, Settings(tmp_path / "data"))
    make_staff(county, "scjg.clerk", "department", unit="scjg")
    try:
        item = catalogue.by_code("FL015")
        materials = {m.code: "received" for m in item.guide.materials}
        (licence,) = store.append(make_case_draft(catalogue, item_code="FL015", amount=None, materials=materials))
        case_id = licence.body["case_id"]
        store.append(draft_materials_sent(case_id))
        assert engine_for(store).run().ok
        assert load_detail(counter, case_id).state is CaseState.MATERIALS_SENT

        sign_in(page, county.base_url, "scjg.clerk")
        page.click("nav >> text=待办办件")
        row = page.locator(f"#row-{case_id}")
        for action, label in (("签收材料", "材料已签收"), ("受理", "已受理"), ("办结", "已办结")):
            row.get_by_role("button", name=action, exact=True).click()
            page.wait_for_selector(f"#row-{case_id} >> text=已改为“{label}”")

        report = engine_for(store).run()
        assert report.ok and report.pulled == 4  # three statuses, and the points statement the 办结 changed
        done = load_detail(counter, case_id)
        assert done.state is CaseState.COMPLETED and done.state_label == "已办结"
        assert any("部门更新状态为“已办结”" in entry.what for entry in done.timeline)
    finally:
        store.close()


def test_a_finance_user_reads_a_point_and_is_refused_when_writing_to_it(county, tmp_path, page):
    store, setup = activated(county, tmp_path)
    store.close()
    make_staff(county, "finance.user", "finance")
    sign_in(page, county.base_url, "finance.user")
    page.goto(f"{county.base_url}/console/points/{setup['point_code']}")
    assert setup["point_code"] in page.inner_text("main")
    assert page.locator("form[action$='/revoke']").count() == 0, "no revoke form for a read-only role"
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    answer = page.request.post(
        f"{county.base_url}/console/points/{setup['point_code']}/revoke",
        form={"csrf": token, "reason": "财务人员试图撤销"},
        max_redirects=0,
    )
    assert answer.status == 403
    assert "你的账号没有权限使用这个页面或操作" in answer.text()
    with county.session() as db:
        assert db.query(Point).filter(Point.code == setup["point_code"]).one().state == "active"
