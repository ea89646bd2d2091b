"""Counters in the field: the county's lowest accepted version, an old counter told to update, nothing lost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
import requests
from fastapi import FastAPI
from packaging.version import Version
from sqlalchemy import select

from county.api.app import create_app
from county.api.errors import status_of
from county.config import Settings
from county.models import ActivationCode, LedgerEvent
from county.services.pii import new_key
from county.services.versions import Outdated, parse_minimum, require_supported
from desktop.services.activation import activate, sync_client_for
from desktop.services.session import Counter
from desktop.services.sync_view import indicator_text, outdated_headline, sync_state
from desktop.services.syncing import run_sync, summary
from desktop.settings import Settings as CounterSettings
from desktop.store.sync_port import StoreSyncPort
from desktop.version import app_version
from sync.client import Outdated as ClientOutdated
from sync.client import SyncClient
from sync.engine import SyncEngine
from sync.wire import APP_VERSION_HEADER, EnrolRequest
from tests.county.conftest import RunningCounty, new_point, start_server
from tests.county.test_sync_e2e import county_count
from tests.factories import PASSWORD, make_case_draft


@dataclass
class FieldCounty(RunningCounty):
    """The real county on loopback, whose settings a test changes as a restart with new settings would."""

    app: FastAPI | None = None

    def require(self, minimum: str, update_url: str = "") -> None:
        self.settings = replace(self.settings, min_app_version=minimum, update_url=update_url)
        self.app.state.core.settings = self.settings


@pytest.fixture
def county(county_engine) -> Iterator[FieldCounty]:
    settings = Settings(database_url="(fixture)", pii_key=new_key())
    app = create_app(settings, county_engine)
    server, thread, port = start_server(app)
    try:
        yield FieldCounty(f"http://127.0.0.1:{port}", county_engine, settings, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def counter_at(store, version: str) -> SyncEngine:
    """The sync engine of a counter running ``version``: it names it in pushes and in the pull/status header."""
    base = sync_client_for(store)
    return SyncEngine(
        SyncClient(base.base_url, base.device_token, app_version=version), StoreSyncPort(store), app_version=version
    )


@pytest.mark.parametrize(
    ("version", "minimum", "accepted"),
    [
        ("0.2.0", "0.2.0", True),
        ("0.10.0", "0.9.2", True),  # as numbers: 10 > 9, though "0.10.0" < "0.9.2" as strings
        ("0.9.2", "0.10.0", False),
        ("1.0", "1.0.0", True),  # equal versions, written differently
        ("0.2.0rc1", "0.2.0", False),  # a release candidate comes before its release
        ("0.2.0.post1", "0.2.0", True),
        ("0.0.0+source", "0.1.0", False),
        ("not-a-version", "0.1.0", False),  # unreadable: refused while a minimum is set
        ("", "0.1.0", False),
        ("not-a-version", "", True),  # no minimum set: everything is accepted
    ],
)
def test_versions_are_compared_as_numbers(version, minimum, accepted):
    if accepted:
        require_supported(version, minimum)
    else:
        with pytest.raises(Outdated) as refused:
            require_supported(version, minimum)
        assert status_of(refused.value) == 426 and refused.value.body()["error"]["min_app_version"] == str(
            Version(minimum)
        )


def test_a_minimum_that_is_not_a_version_stops_the_county_from_starting(monkeypatch):
    monkeypatch.setenv("SUISHENBAN_COUNTY_MIN_APP_VERSION", "二点零")
    with pytest.raises(ValueError, match="不是版本号"):
        Settings.from_env()
    monkeypatch.setenv("SUISHENBAN_COUNTY_MIN_APP_VERSION", "0.3.0")
    monkeypatch.setenv("SUISHENBAN_COUNTY_UPDATE_URL", "https://zw.fuliang.example/ssb/setup.exe")
    settings = Settings.from_env()
    assert (settings.min_app_version, settings.update_url) == ("0.3.0", "https://zw.fuliang.example/ssb/setup.exe")
    assert parse_minimum("") is None


def test_an_old_counter_is_told_to_update_keeps_its_cases_queued_and_syncs_once_updated(county, tmp_path, catalogue):
    setup = new_point(county)
    store = activate(county.base_url, setup["code"], tmp_path / "data", PASSWORD).store
    try:
        for _ in range(3):
            store.append(make_case_draft(catalogue, item_code="FL001", amount="50"))
        county.require("0.2.0")

        old = counter_at(store, "0.1.0").run()
        assert isinstance(old.error, ClientOutdated) and not old.locked
        assert old.error.min_version == "0.2.0" and "0.2.0" in old.error.message
        assert "不会丢失" in old.error.message and "安装" in old.error.message
        assert store.outbox_counts() == {"pending": 3}  # queued, with no error on the records themselves
        assert StoreSyncPort(store).rejected() == []
        assert county_count(county, LedgerEvent) == 0
        assert StoreSyncPort(store).sync_notes()["outdated"] == "0.2.0"

        store.append(make_case_draft(catalogue, item_code="FL002", amount="30"))  # the counter keeps working
        assert counter_at(store, "0.1.0").check_digests().error.code == "app_outdated"  # status refused too
        with pytest.raises(ClientOutdated):
            counter_at(store, "0.1.9").client.pull(0)

        new = counter_at(store, "0.2.0").run()
        assert new.ok and new.accepted == 4
        assert store.outbox_counts() == {"acked": 4}
        assert county_count(county, LedgerEvent, status="accepted") == 4
        assert StoreSyncPort(store).sync_notes()["outdated"] == ""
    finally:
        store.close()


def test_the_refusal_is_a_documented_426_on_every_call(county, tmp_path):
    setup = new_point(county)
    store = activate(county.base_url, setup["code"], tmp_path / "data", PASSWORD).store
    try:
        token = sync_client_for(store).device_token
        county.require("0.2.0")
        county.settings = replace(county.settings, update_url="https://zw.fuliang.example/ssb/")
        county.app.state.core.settings = county.settings
        headers = {"Authorization": f"Device {token}", APP_VERSION_HEADER: "0.1.5"}
        answer = requests.get(f"{county.base_url}/api/v1/pull", headers=headers, timeout=10)
        assert answer.status_code == 426
        error = answer.json()["error"]
        assert (error["code"], error["min_app_version"]) == ("app_outdated", "0.2.0")
        assert "https://zw.fuliang.example/ssb/" in error["message"] and "0.1.5" in error["message"]
        # a counter of before this header: judged by the version its last push or enrolment named
        del headers[APP_VERSION_HEADER]
        assert requests.get(f"{county.base_url}/api/v1/status", headers=headers, timeout=10).status_code == 426
        headers[APP_VERSION_HEADER] = "0.2.0"
        assert requests.get(f"{county.base_url}/api/v1/status", headers=headers, timeout=10).status_code == 200
        schema = requests.get(f"{county.base_url}/openapi.json", timeout=10).json()
        assert "min_app_version" in schema["components"]["schemas"]["ErrorBody"]["properties"]
    finally:
        store.close()


def test_an_old_counter_cannot_enrol_and_its_activation_code_stays_unspent(county):
    setup = new_point(county)
    county.require("0.2.0")
    client = SyncClient(county.base_url)
    request = EnrolRequest(activation_code=setup["code"], app_version="0.1.0", device_time="2026-11-27T09:30:00+08:00")
    with pytest.raises(ClientOutdated) as refused:
        client.enrol(request)
    assert refused.value.min_version == "0.2.0"
    with county.session() as session:
        assert session.scalar(select(ActivationCode.used_at)) is None
    assert client.enrol(request.model_copy(update={"app_version": "0.2.0"})).device_no == 1


def _next_minor(version: str) -> str:
    release = Version(version).release + (0, 0)
    return f"{release[0]}.{release[1] + 1}.0"


def test_the_counter_tells_the_shopkeeper_to_update_and_a_counter_at_the_minimum_syncs(county, tmp_path, catalogue):
    setup = new_point(county)
    done = activate(county.base_url, setup["code"], tmp_path / "data", PASSWORD)
    counter = Counter(done.store, catalogue, CounterSettings(tmp_path / "data"))
    try:
        counter.append(make_case_draft(catalogue, item_code="FL001", amount="50"))
        installed = app_version()
        county.require(_next_minor(installed))
        outcome = run_sync(counter)
        assert not outcome.ok and not outcome.locked and outcome.retry_after == ClientOutdated.RETRY_S
        assert "需要升级" in summary(outcome) and "不会丢失" in summary(outcome)
        state = sync_state(counter)
        assert state.outdated == _next_minor(installed) and state.pending == 1
        assert indicator_text(state) == "请升级软件（数据保存在本机）"
        headline = outdated_headline(state.outdated)
        assert _next_minor(installed) in headline and installed in headline and "不会丢失" in headline

        county.require(installed)  # the counter is exactly at the minimum
        assert run_sync(counter).ok
        assert counter.store.outbox_counts() == {"acked": 1} and sync_state(counter).outdated == ""
    finally:
        done.store.close()
