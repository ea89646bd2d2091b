"""A point sees its quarter's settlement on the 积分 page after the county publishes it and the counter syncs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from county.models import Point
from county.services import settlement, settlement_publish, settlement_release
from tests.county.conftest import county, county_engine, county_limits, evidence_backend  # noqa: F401 - fixtures
from tests.county.settlement_data import add_cases
from tests.county.test_settlement_release import serious_finding
from tests.desktop.ui.county_window import county_window, sync
from tests.desktop.ui.test_sync_page import counter, point  # noqa: F401 - fixtures

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "settlement"
pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)


def test_the_points_page_shows_the_published_settlement_after_sync(qtbot, county, point):
    counter, setup = point
    window = county_window(qtbot, counter)
    page = window.show_page("points")
    assert "结算" not in page.county_lines.text()
    with county.session() as db:
        mine = db.scalar(select(Point).where(Point.code == setup["point_code"]))
        add_cases(db, mine, 9, date(2026, 8, 20), 4)  # 36 points, counted at the county
        row = settlement.run(db, "2026-Q3", "0.75", actor="test")
        db.commit()
    assert sync(qtbot, window).ok
    page = window.show_page("points")
    assert "结算" not in page.county_lines.text()
    with county.session() as db:
        settlement_publish.publish(db, row.id, actor="test")
        db.commit()
    assert sync(qtbot, window).ok
    page = window.show_page("points")
    text = page.county_lines.text()
    assert "2026年第三季度结算（县里已发布，第 1 版）" in text and "36 分，每分折合 0.75 元，共 27.00 元" in text
    assert "由乡镇发放 27.00 元扶贫产品" in text
    qtbot.wait(200)  # let the layout take the new text before the picture
    assert window.grab().save(str(SHOTS / "points-settlement.png"))


def test_a_released_hold_reaches_the_counter_with_its_reason(qtbot, county, point):
    counter, setup = point
    window = county_window(qtbot, counter)
    with county.session() as db:
        mine = db.scalar(select(Point).where(Point.code == setup["point_code"]))
        add_cases(db, mine, 5, date(2026, 8, 20), 4)  # 20 points
        serious_finding(db, mine)
        row = settlement.run(db, "2026-Q3", "0.5", actor="test")
        settlement_release.release(db, row.id, mine.id, "县局现场复查已整改到位", actor="staff:bureau.admin")
        settlement_publish.publish(db, row.id, actor="test")
        db.commit()
    assert sync(qtbot, window).ok
    text = window.show_page("points").county_lines.text()
    assert "原暂扣原因：督查发现严重问题尚未整改" in text and "已解除暂缓：县局现场复查已整改到位" in text
    assert "由乡镇发放 10.00 元扶贫产品" in text and "暂缓发放" not in text
