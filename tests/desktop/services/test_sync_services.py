"""The sync use-cases without Qt: the status words, rejected records with their advice, county news, the form."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from desktop.services.county_news import notices, points_statement
from desktop.services.enrolling import ActivationForm, check_form, normalize_code, refusal_field
from desktop.services.sync_view import SyncState, indicator_text, rejected_records, sync_state
from desktop.services.syncing import SyncOutcome, reachable, run_sync, summary
from desktop.store.sync_port import StoreSyncPort
from sync.client import Transient
from sync.engine import SyncReport
from sync.ledger.forms import draft_complete
from sync.wire import PullItem
from tests.county.conftest import county, county_engine, county_limits, evidence_backend  # noqa: F401 - fixtures
from tests.factories import make_case_draft

CALM = SyncState(
    connected=True,
    pending=0,
    rejected=0,
    last_success_at="",
    last_error="",
    last_error_at="",
    locked="",
    training=False,
    training_note="",
)


@pytest.mark.parametrize(
    ("state", "running", "offline", "text"),
    [
        (CALM, False, False, "已同步"),
        (replace(CALM, pending=3), False, False, "待同步 3 条"),
        (replace(CALM, pending=3), True, False, "同步中…"),
        (replace(CALM, pending=3), False, True, "网络未连接（数据已保存在本机）"),
        (replace(CALM, rejected=2), False, False, "有 2 条被退回"),
        (replace(CALM, rejected=2, pending=1), False, False, "有 2 条被退回，待同步 1 条"),
        (replace(CALM, locked="账号已注销"), True, True, "县里已停用（数据保存在本机）"),
        (replace(CALM, connected=False, training=True, pending=4), False, False, "待同步 4 条，练习数据只在本机"),
    ],
)
def test_the_status_bar_says_one_calm_thing(state, running, offline, text):
    assert indicator_text(state, running=running, offline=offline) == text


def test_a_ledger_never_activated_does_not_sync_and_says_so(counter):
    outcome = run_sync(counter)
    assert outcome.report is None and not outcome.ok
    assert summary(outcome) == "这个台账没有连接县里，记录都保存在本机。"
    assert not sync_state(counter).connected


def test_a_quarantined_record_is_shown_with_its_case_the_reason_and_the_advice(counter):
    (recorded,) = counter.append(
        make_case_draft(counter.catalogue, item_code="FL003", amount="86.50", details={"account_no": "3602220417"})
    )
    (completed,) = counter.append(draft_complete(recorded.body["case_id"]))
    StoreSyncPort(counter.store).record_results([recorded.seq], {completed.seq: "这笔办件已退回，不能办结。"})
    (record,) = rejected_records(counter)
    assert (record.receipt_no, record.subject, record.what) == (recorded.body["receipt_no"], "缴纳电费", "办结")
    assert (
        record.reason == "这笔办件已退回，不能办结。"
        and "没有接受这次办结" in record.advice
        and "乡镇" in record.advice
    )
    assert sync_state(counter).rejected == 1


def test_notices_and_the_points_statement_from_the_county(counter):
    items = [
        PullItem(
            cursor=1,
            kind="notice",
            created_at="2026-11-26T01:00:00.000+00:00",
            payload={
                "title": "活动日提醒",
                "text": "本周五在邮政网点开展活动日。",
                "published_at": "2026-11-26T01:00:00.000+00:00",
                "from": "县政务服务管理局",
            },
        ),
        PullItem(
            cursor=2,
            kind="points_statement",
            created_at="2026-11-26T02:00:00.000+00:00",
            payload={
                "months": {"2026-11": {"raw": 1020, "credited": 1000, "capped": True, "cases": 510}},
                "quarters": {"2026-Q4": 1000},
            },
        ),
        PullItem(
            cursor=3,
            kind="notice",
            created_at="2026-11-27T01:00:00.000+00:00",
            payload={
                "title": "系统升级",
                "text": "周六晚上暂停同步两小时。",
                "published_at": "2026-11-27T01:00:00.000+00:00",
                "from": "县政务服务管理局",
            },
        ),
    ]
    StoreSyncPort(counter.store).store_pulled(items, 3)
    newest, older = notices(counter)
    assert (newest.title, newest.published) == ("系统升级", "11月27日 09:00") and older.title == "活动日提醒"
    statement = points_statement(counter)
    month = statement.month("2026-11")
    assert (month.credited, month.raw, month.capped, month.cases) == (1000, 1020, True, 510)
    assert statement.quarters == {"2026-Q4": 1000}


def test_the_summary_after_a_run_is_plain():
    done = SyncOutcome(SyncReport(pushed=12, accepted=11, rejected=1, pulled=2))
    assert summary(done) == "同步完成：上传 12 条记录，收到县里的 2 条更新，其中 1 条被县里退回，请在“同步”页查看原因。"
    down = SyncOutcome(
        SyncReport(error=Transient("连不上县里的服务器，网络恢复后会自动重试，数据不会丢失。", code="network")),
        offline=True,
    )
    assert summary(down) == "同步没有完成：连不上县里的服务器，网络恢复后会自动重试，数据不会丢失。"
    assert summary(SyncOutcome(SyncReport())) == "同步完成，没有新的记录要上传。"


def test_the_network_probe_is_a_tcp_connect():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert reachable(f"http://127.0.0.1:{port}/", timeout=1)
    assert not reachable(f"http://127.0.0.1:{port}/", timeout=1)  # nothing listens there any more
    assert not reachable("not a url")


def test_the_activation_form_is_checked_before_anything_is_sent():
    good = ActivationForm("https://ssb.fuliang.gov.cn", "k7qx m2pa 9trd", "fuliang2026", "fuliang2026")
    assert check_form(good) == {} and normalize_code(good.code) == "K7QX-M2PA-9TRD"
    bad = ActivationForm("ssb.fuliang.gov.cn", "K7QX-M2PA-9TR", "short", "short")
    assert set(check_form(bad)) == {"server", "code", "password"}
    assert "没有 0、1、I、O" in check_form(replace(good, code="K7QX-M2PA-9TR0"))["code"]
    assert check_form(replace(good, again="fuliang2025")) == {"again": "两次输入的密码不一样，请重新输入。"}
    assert refusal_field("activation_used") == "code" and refusal_field("network") == "server"


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_practice_is_never_locked_when_its_county_refuses_the_ledger(county, tmp_path, catalogue):
    from county.services import admin
    from desktop.services import syncing
    from desktop.services.activation import activate
    from desktop.services.session import Counter
    from desktop.settings import Settings
    from tests.county.conftest import new_point
    from tests.factories import PASSWORD

    done = activate(county.base_url, new_point(county)["code"], tmp_path / "training", PASSWORD)
    practice = Counter(done.store, catalogue, Settings(tmp_path / "training"), training=True)
    try:
        with county.session() as session:  # as when the practice county's own file was deleted and made anew
            admin.revoke_device(session, done.store.identity.device_id, "练习", actor="training")
            session.commit()
        outcome = run_sync(practice)
        assert not outcome.locked and outcome.message == syncing.PRACTICE_MISMATCH and not practice.locked
        assert sync_state(practice).last_error == syncing.PRACTICE_MISMATCH
    finally:
        practice.close()


def test_the_county_knows_which_version_each_counter_runs(county, tmp_path, catalogue):
    """The app version goes with the enrolment and with every sync; 设置/关于 shows the same one."""
    from sqlalchemy import select, update

    from county.models import Device
    from desktop.version import app_version
    from tests.desktop.ui.county_window import activated_counter

    counter, _setup = activated_counter(county, tmp_path / "data", catalogue)
    try:
        with county.session() as session:
            assert session.scalar(select(Device.app_version)) == app_version()
            session.execute(update(Device).values(app_version="0.0.1"))  # as if enrolled by an older build
            session.commit()
        counter.append(make_case_draft(catalogue))
        assert run_sync(counter).ok
        with county.session() as session:
            assert session.scalar(select(Device.app_version)) == app_version() != "0.0.1"
    finally:
        counter.close()


def test_a_case_disqualified_after_fraud_review_is_told_with_its_reason(counter):
    """The points statement carries a disqualified case as a flag with the reviewer's reason (county.services.points
    ``flagged``); the sync page's notes say it in words, without the clock advice of a late completion."""
    from desktop.services.month_notes import month_notes

    flag = {
        "case_id": "a" * 32,
        "receipt_no": "0001-20261110-1-0004",
        "completed_at": "2026-11-10T09:31:00.000+08:00",
        "flag": "disqualified",
        "month": None,
        "reason": "同一人一天办理4次",
    }
    payload = {
        "months": {"2026-11": {"raw": 12, "credited": 9, "capped": False, "cases": 3}},
        "quarters": {"2026-Q4": 9},
        "flags": [flag],
    }
    item = PullItem(cursor=1, kind="points_statement", created_at="2026-11-26T02:00:00.000+00:00", payload=payload)
    StoreSyncPort(counter.store).store_pulled([item], 1)
    (told,) = points_statement(counter).flags
    assert (told.flag, told.month, told.reason) == ("disqualified", None, "同一人一天办理4次")
    (note,) = month_notes(counter)
    assert note.receipt_no == "0001-20261110-1-0004"
    assert "经复核取消资格" in note.text and "同一人一天办理4次" in note.text and "时钟" not in note.text
