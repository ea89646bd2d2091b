"""The statistics page in a real browser: the vendored ECharts draws a chart per table under the console's CSP —
month to sync health — axe-core finds nothing serious, the page is photographed at 1366×768 and 390×844, and
the bureau downloads a table's Excel and the open-data file. The county's point table is cut to its busiest
point here (as a county of more than 50 points is), with its note and the county's total."""

from __future__ import annotations

from county.services import statistics
from tests.county.web.stats_data import add_history
from tests.county.web.test_browser import SHOTS, SIZES, page, pytestmark, sign_in, site  # noqa: F401
from tests.county.web.test_stats_consult import add_consultations
from tests.county.web.test_stats_dimensions import approval_history, sync_history

CHARTS = (
    "month",
    "quarter",
    "township",
    "point",
    "item",
    "category",
    "class",
    "mode",
    "speed_township",
    "speed_item",
    "consult",
    "sync",
)


def _charts_fit(page) -> None:
    """Each chart's canvas is drawn and as wide as its box (after a resize too)."""
    page.wait_for_function(
        """names => names.every(name => {
            const box = document.querySelector(`[data-chart="${name}"]`);
            const canvas = box && box.querySelector("canvas");
            return box.dataset.drawn === "true" && canvas && canvas.width > 0
                && Math.abs(canvas.getBoundingClientRect().width - box.clientWidth) < 2;
        })""",
        arg=list(CHARTS),
    )


def test_the_statistics_page_draws_its_charts_and_passes_axe(console, site, page, monkeypatch):
    from axe_playwright_python.sync_playwright import Axe

    monkeypatch.setattr(statistics, "POINTS_SHOWN", 1)
    add_history(console)
    approval_history(console)
    sync_history(console)
    add_consultations(console)
    sign_in(page, site, "bureau.clerk")
    page.wait_for_url("**/console/")
    page.click("nav >> text=统计分析")
    page.wait_for_url("**/console/stats")
    _charts_fit(page)
    assert page.inner_text("#table-month tfoot").split() == ["合计", "12", "12", "12", "1"]
    assert page.inner_text("#table-point tfoot").split() == ["全部代办点合计", "12", "12", "12", "1"]
    assert len(page.query_selector_all("#table-point tbody tr")) == 1
    assert page.get_by_text("这里只列出办件数最多的 1 个").is_visible()
    assert page.inner_text("#table-speed_township tfoot").split() == ["合计", "4", "2", "9", "1"]
    assert page.inner_text("#table-consult tfoot").split() == ["合计", "6", "4", "2", "1", "1", "4"]
    violations = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not violations, violations
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        _charts_fit(page)
        page.screenshot(path=str(SHOTS / f"stats-{size}.png"), full_page=True)
    with page.expect_download() as download:
        page.click("text=导出Excel（按乡镇）")
    assert download.value.suggested_filename.startswith("stats-township-")
    with page.expect_download() as download:
        page.click("text=下载开放数据（SQLite）")
    assert download.value.suggested_filename.endswith(".sqlite")
