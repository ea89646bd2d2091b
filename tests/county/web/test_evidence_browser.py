"""In a real browser: the department opens its case and sees the point's scans beside the checklist."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.ledger.catalogue import load_catalogue
from tests.county.web.conftest import CHROMIUM, attach_scan
from tests.county.web.test_browser import look, page, sign_in, site  # noqa: F401  (fixtures)
from tests.evidence_images import make_scan

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (scripts/setup.sh installs it)"),
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
    pytest.mark.parametrize("evidence_backend", ["folder", "s3"], indirect=True),  # the bucket serves alike
]


def test_the_department_sees_the_scans_on_its_case_page(console, site, page):
    from desktop.services.evidence import compress_page

    for seed in (1, 2):
        attach_scan(console, console.a, compress_page(make_scan(seed=seed, width=1240, height=1754, fmt="JPEG")))
    sign_in(page, site, "department")
    page.goto(f"{site}/console/cases/{console.a.approval['case_id']}")
    page.wait_for_selector("#evidence")
    images = page.locator("figure.evidence img")
    assert images.count() == 2
    for k in range(2):
        images.nth(k).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=images.nth(k).element_handle())
        assert images.nth(k).evaluate("img => img.naturalWidth") == 1240  # the page itself, not a broken icon
    material = load_catalogue().by_code("FL015").guide.materials[0].name
    assert page.locator("figure.evidence figcaption").first.inner_text().startswith(material)
    look(page, "case-evidence-department")  # the same page from either store
