"""The data exchange's logs are pruned by the retention command: old calls and settled webhook attempts go, recent
ones and the attempts of a notification still being retried or marked failed stay (docs/privacy.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from county import cli as county_cli
from county.config import ConfigError, Settings
from county.models import ApiCall, AuditLog, WebhookDelivery, WebhookOutbox
from county.services import log_retention
from sync import clock as clocks
from tests.county.test_exchange import register

LATER = datetime(2027, 6, 1, 2, 0, tzinfo=UTC)  # the day the command runs, by the county's clock


def _day(days_before: int) -> datetime:
    return LATER - timedelta(days=days_before)


def _outbox(client_id: int, state: str) -> WebhookOutbox:
    return WebhookOutbox(client_id=client_id, state=state, change_seq=9, changes=1, attempts=0, delivered_seq=0)


def _attempt(client_id: int, days_before: int, outcome: str, seq: int) -> WebhookDelivery:
    return WebhookDelivery(
        client_id=client_id,
        change_seq=seq,
        changes=1,
        attempt=1,
        outcome=outcome,
        http_status=200 if outcome == "sent" else 500,
        error=None if outcome == "sent" else "HTTP 500",
        duration_ms=3,
        worker="w",
        at=_day(days_before),
    )


@pytest.fixture
def logs(county):
    """Calls 200, 100, 95, 60 and 10 days old; each client's attempts, named by what must become of them."""
    idle, _t = register(county, "县市场监管局登记系统", "all", [])
    pending, _t = register(county, "省一体化平台", "all", [])
    failed, _t = register(county, "县医保局系统", "all", [])
    removed, _t = register(county, "县人社局系统", "all", [])
    plan = {
        "gone": [(idle, 60, "retry", 1), (idle, 60, "sent", 1), (idle, 40, "sent", 2), (pending, 50, "sent", 3)]
        + [(removed, 40, "retry", 4)],
        "kept": [(idle, 5, "sent", 5), (pending, 45, "retry", 6), (pending, 44, "retry", 6)]
        + [(failed, 40, "failed", 7), (failed, 39, "failed", 7), (removed, 5, "retry", 8)],
    }
    ids: dict[str, list[int]] = {"gone": [], "kept": []}
    with county.session() as session:
        session.add_all([_outbox(idle, "idle"), _outbox(pending, "pending"), _outbox(failed, "failed")])
        session.add_all(
            ApiCall(client_id=idle, route="GET /exchange/cases", status=200, count=1, ip="10.0.0.9", at=_day(d))
            for d in (200, 100, 95, 60, 10)
        )
        for fate in ("gone", "kept"):
            rows = [_attempt(*args) for args in sorted(plan[fate], key=lambda a: -a[1])]
            session.add_all(rows)
            session.flush()
            ids[fate] = [row.id for row in rows]
        session.commit()
    return ids


def _left(county) -> tuple[list[int], list[int]]:
    with county.session() as session:
        calls = sorted(int((LATER - at.replace(tzinfo=UTC)).days) for at in session.scalars(select(ApiCall.at)))
        attempts = sorted(session.scalars(select(WebhookDelivery.id)))
    return calls, attempts


@pytest.fixture
def later():
    previous = clocks.use_clock(clocks.ShiftedClock(LATER))
    yield
    clocks.use_clock(previous)


def test_old_calls_and_settled_attempts_go_in_batches_recent_and_unsettled_stay(county, logs, later):
    done = log_retention.prune_logs(county.engine, call_days=90, webhook_days=30, actor="t", batch=2)
    assert (done.calls, done.deliveries) == (3, len(logs["gone"]))
    assert done.batches == 2 + 3  # three calls in batches of two, five attempts likewise
    calls, attempts = _left(county)
    assert calls == [10, 60] and attempts == sorted(logs["kept"])
    with county.session() as session:
        (entry,) = session.scalars(select(AuditLog).where(AuditLog.action == "logs.prune"))
        assert (entry.detail["calls"], entry.detail["deliveries"]) == (3, 5)
    again = log_retention.prune_logs(county.engine, call_days=90, webhook_days=30, actor="t")
    assert (again.calls, again.deliveries) == (0, 0)


def test_the_retention_command_prunes_with_the_periods_from_the_environment(county, logs, later, capsys, monkeypatch):
    url = str(county.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY", county.settings.pii_key)
    monkeypatch.setenv("SUISHENBAN_COUNTY_CALL_LOG_DAYS", "30")
    assert county_cli.main(["--db", url, "purge-pii", "--webhook-log-days", "3"]) == 1
    assert "至少 7 天" in capsys.readouterr().out
    assert _left(county)[0] == [10, 60, 95, 100, 200]  # refused: nothing deleted
    assert county_cli.main(["--db", url, "purge-pii"]) == 0
    assert "清理接口调用日志 4 条（30 天以前）、通知发送记录 5 条" in capsys.readouterr().out
    assert _left(county) == ([10], sorted(logs["kept"]))


def test_the_log_periods_come_from_the_environment_and_nonsense_is_refused(monkeypatch):
    assert (Settings.from_env().call_log_days, Settings.from_env().webhook_log_days) == (90, 30)
    monkeypatch.setenv("SUISHENBAN_COUNTY_WEBHOOK_LOG_DAYS", "14")
    assert Settings.from_env().webhook_log_days == 14
    for bad in ("3", "一个月", "-5"):
        monkeypatch.setenv("SUISHENBAN_COUNTY_CALL_LOG_DAYS", bad)
        with pytest.raises(ConfigError, match="SUISHENBAN_COUNTY_CALL_LOG_DAYS"):
            Settings.from_env()
