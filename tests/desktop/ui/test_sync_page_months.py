"""The sync page tells the shopkeeper, in plain words, that the PC's clock is wrong and which completions the
county credited to a later month or not at all (docs/points.md); against the real county on loopback."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.jobs.sync import SyncScheduler
from desktop.services.activation import activate
from desktop.services.session import Counter
from desktop.settings import Settings
from desktop.ui.messages import MessageBar
from desktop.ui.sync_page import SyncPage
from sync import engine as sync_engine
from sync.ledger import events as ledger_events
from sync.ledger.events import CHINA_TZ
from sync.ledger.forms import draft_complete
from tests.county.conftest import county, county_engine, county_limits, evidence_backend, new_point  # noqa: F401 - fixtures
from tests.factories import PASSWORD, make_case_draft

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)


def china(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CHINA_TZ)


@pytest.fixture
def page(qtbot, county, tmp_path, catalogue):
    with time_machine.travel(china(date(2026, 11, 2), 9)):
        store = activate(county.base_url, new_point(county)["code"], tmp_path / "data", PASSWORD).store
    counter = Counter(store, catalogue, Settings(tmp_path / "data"), clock=lambda: china(date(2026, 12, 9), 10))
    host = QWidget()
    layout = QVBoxLayout(host)
    scheduler = SyncScheduler(counter, parent=host)
    made = SyncPage(counter, scheduler, MessageBar(host), host)
    layout.addWidget(made)
    qtbot.addWidget(host)
    host.show()
    yield made
    scheduler.shutdown()
    store.close()


def run_sync(qtbot, page: SyncPage) -> None:
    with qtbot.waitSignal(page.scheduler.finished, timeout=20_000) as blocker:
        page.sync_button.click()
    assert blocker.args[0].ok, blocker.args[0].message


def test_a_wrong_clock_and_a_late_month_are_shown_in_plain_words(qtbot, page, catalogue, monkeypatch):
    store = page.counter.store
    with time_machine.travel(china(date(2026, 11, 30), 16)):  # offline on the last day of November
        (late,) = store.append(make_case_draft(catalogue, item_code="FL012", amount="200"))
        store.append(draft_complete(late.body["case_id"]))
    with time_machine.travel(china(date(2026, 12, 9), 10)):  # the network is back after December's 5th working day
        (future,) = store.append(make_case_draft(catalogue, item_code="FL012", amount="200"))
        fast_by = timedelta(hours=3, minutes=20)  # the PC's clock runs ahead: what it stamps, and sends as sent_at
        for module in (ledger_events, sync_engine):  # the county's clock (in this process too) stays right
            monkeypatch.setattr(module, "china_now", lambda: datetime.now(CHINA_TZ) + fast_by)
        store.append(draft_complete(future.body["case_id"]))
        page.refresh()
        assert page.lines["clock"][1].isHidden() and page.months_note.isHidden()
        run_sync(qtbot, page)

    clock = page.lines["clock"][1]
    assert clock.isVisible() and clock.text().startswith("这台电脑的时钟不准：比县里的时间快3 小时 20 分钟")
    assert "自动设置时间" in clock.text()
    notes = page.months_note.text().splitlines()
    assert page.months_note.isVisible() and notes[0].startswith("县里没有按办结月份计积分")
    by_receipt = {line.split("（")[0]: line for line in notes[1:]}
    assert by_receipt[f"回执 {late.body['receipt_no']}"].endswith("入账期已过，计入2026年12月的积分。")
    assert "助农取现" in by_receipt[f"回执 {late.body['receipt_no']}"]
    assert "2026年11月30日 16:00" in by_receipt[f"回执 {late.body['receipt_no']}"]
    assert "办结时间晚于县里的当前时间，不计积分" in by_receipt[f"回执 {future.body['receipt_no']}"]

    monkeypatch.undo()  # the shopkeeper sets the clock right: the next sync clears the warning
    with time_machine.travel(china(date(2026, 12, 9), 11)):
        store.append(make_case_draft(catalogue, item_code="FL012", amount="200"))
        run_sync(qtbot, page)
    assert page.lines["clock"][1].isHidden()


def test_a_case_disqualified_after_fraud_review_reaches_the_sync_page_with_its_reason(
    qtbot, page, catalogue, county, tmp_path
):
    """Four 助农取现 of one applicant in one day: the county's rule opens a review item at the push; the bureau
    disqualifies one; the next sync brings the points statement and the page says which and why."""
    from sqlalchemy import select

    from county.models import FraudHit, FraudReview
    from county.services import fraud_review
    from county.services.scope import Scope
    from county.services.staff import StaffRole

    store = page.counter.store
    with time_machine.travel(china(date(2026, 12, 9), 10)):
        recorded = []
        for _ in range(4):  # make_case_draft's applicant is always the same ID
            (case,) = store.append(make_case_draft(catalogue, item_code="FL012", amount="200"))
            store.append(draft_complete(case.body["case_id"]))
            recorded.append(case)
        run_sync(qtbot, page)
        with county.session() as session:
            assert session.scalar(select(FraudHit.rule)) == "same_applicant_day"
            review = session.scalar(select(FraudReview))
            fraud_review.disqualify(
                session,
                Scope(StaffRole.BUREAU_CLERK),
                review.id,
                [recorded[3].body["case_id"]],
                "同一人同一天第4次办理助农取现",
                actor="staff:test",
            )
            session.commit()
        run_sync(qtbot, page)
    notes = page.months_note.text().splitlines()
    (told,) = [line for line in notes if recorded[3].body["receipt_no"] in line]
    assert "经复核取消资格（违规办件），不计积分：同一人同一天第4次办理助农取现" in told
    assert "时钟" not in told
    page.window().resize(1100, 760)
    assert page.window().grab().save(str(tmp_path / "sync-disqualified.png"))  # kept under pytest --basetemp for a look
