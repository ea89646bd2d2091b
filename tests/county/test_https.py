"""Sync over HTTPS: the real county endpoint serving TLS on loopback with certificates from a CA made here."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests
import uvicorn
from sqlalchemy import func, select

from county.api.app import create_app
from county.config import Settings as CountySettings
from county.models import LedgerEvent
from county.services.pii import new_key
from desktop.services.activation import activate, sync_client_for
from desktop.services.certificates import closer_look
from desktop.services.enrolling import ActivationForm, activate_counter
from desktop.services.syncing import run_sync
from desktop.store.sync_port import StoreSyncPort
from sync.client import CertificateProblem, Insecure, SyncClient
from sync.engine import SyncEngine
from tests.county.conftest import RunningCounty, new_point
from tests.factories import PASSWORD, make_case_draft
from tests.tls_pki import EXPIRED, NOT_YET_VALID, MadeCA, Recorder

sqlite_only = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)  # TLS is the subject, not SQL


@pytest.fixture
def ca(tmp_path) -> MadeCA:
    return MadeCA(tmp_path / "pki")


@pytest.fixture
def serve(county_engine):
    """Start the county endpoint over TLS with a given server certificate; ``host`` is how the counter names it."""
    running = []
    key = new_key()  # one county: each start is the same endpoint with another certificate

    def start(cert, host: str = "127.0.0.1") -> RunningCounty:
        settings = CountySettings(database_url="(fixture)", pii_key=key)
        config = uvicorn.Config(
            create_app(settings, county_engine),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            access_log=False,
            ssl_certfile=str(cert.cert),
            ssl_keyfile=str(cert.key),
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            assert thread.is_alive(), "county server did not start"
            threading.Event().wait(0.01)
        running.append((server, thread))
        port = server.servers[0].sockets[0].getsockname()[1]
        return RunningCounty(f"https://{host}:{port}", county_engine, settings)

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)


def events_at(county: RunningCounty) -> int:
    with county.session() as session:
        return session.scalar(select(func.count()).select_from(LedgerEvent))


def activated_counter(county: RunningCounty, folder, ca_file: str):
    form = ActivationForm(county.base_url, new_point(county)["code"], PASSWORD, PASSWORD, ca_file)
    counter, _done = activate_counter(folder, form)
    return counter


@sqlite_only
def test_a_county_certificate_from_the_counties_own_ca_works_through_the_ca_file(serve, ca, tmp_path):
    county = serve(ca.issue("county"))
    counter = activated_counter(county, tmp_path / "d", str(ca.pem))
    try:
        assert counter.settings.get("county_ca_file") == str(ca.pem)  # kept for every later sync
        counter.store.append(make_case_draft())
        outcome = run_sync(counter)
        assert outcome.ok, outcome.message
        assert counter.store.outbox_counts() == {"acked": 1} and events_at(county) == 1
    finally:
        counter.store.close()


@sqlite_only
def test_an_untrusted_certificate_stops_the_run_sends_nothing_and_says_whom_to_call(serve, ca, tmp_path):
    county = serve(ca.issue("county"))
    counter = activated_counter(county, tmp_path / "d", str(ca.pem))
    try:
        counter.settings.set("county_ca_file", "")  # the CA file is gone, and Windows never had the CA
        counter.store.append(make_case_draft())
        outcome = run_sync(counter)
        error = outcome.report.error
        assert isinstance(error, CertificateProblem) and error.problem == "unknown_issuer"
        assert "不是这台电脑认识的机构发的" in error.message and "县政务服务管理局" in error.message
        assert "没有发出任何记录" in error.message and not outcome.offline and not outcome.locked
        assert counter.store.outbox_counts() == {"pending": 1}  # nothing marked synced, nor even "sent"
        assert events_at(county) == 0  # nothing reached the county
        notes = StoreSyncPort(counter.store).sync_notes()
        assert notes["last_error_code"] == "cert_unknown_issuer" and notes["last_error"] == error.message
        counter.settings.set("county_ca_file", str(ca.pem))  # the county's IT hands the file over again
        assert run_sync(counter).ok and events_at(county) == 1
        assert StoreSyncPort(counter.store).sync_notes()["last_error_code"] == ""
    finally:
        counter.store.close()


@sqlite_only
@pytest.mark.parametrize(
    "period, problem, words",
    [(EXPIRED, "expired", "已经过期"), (NOT_YET_VALID, "not_yet_valid", "多半是这台电脑的日期时间不对")],
)
def test_a_certificate_out_of_its_dates_says_so_and_points_at_the_pc_clock(serve, ca, tmp_path, period, problem, words):
    good = serve(ca.issue("good"))
    store = activate(good.base_url, new_point(good)["code"], tmp_path / "d", PASSWORD, ca_file=str(ca.pem)).store
    try:
        store.append(make_case_draft())
        stale = serve(ca.issue("stale", period=period))
        client = SyncClient(stale.base_url, sync_client_for(store).device_token, ca_file=str(ca.pem))
        report = SyncEngine(client, StoreSyncPort(store), app_version="t").run()
        assert isinstance(report.error, CertificateProblem) and report.error.problem == problem
        assert words in report.error.message and "电脑右下角的日期和时间" in report.error.message
        assert store.outbox_counts() == {"pending": 1} and events_at(good) == 0
    finally:
        store.close()


@sqlite_only
def test_a_certificate_for_another_name_is_a_wrong_name(serve, ca):
    county = serve(ca.issue("other", names=("ssb.localhost",)), host="localhost")
    with pytest.raises(CertificateProblem) as caught:
        SyncClient(county.base_url, ca_file=str(ca.pem)).status()
    assert caught.value.problem == "wrong_name" and "不是县里这个地址的" in caught.value.message
    assert closer_look(caught.value, county.base_url) is caught.value  # a name of the county's own site: no portal


@sqlite_only
@pytest.mark.parametrize("self_signed", [True, False])
def test_a_wifi_login_pages_certificate_is_told_as_a_login_page(serve, ca, self_signed):
    portal = serve(ca.issue("portal", names=("login.wifi.example",), self_signed=self_signed), host="localhost")
    with pytest.raises(CertificateProblem) as caught:
        SyncClient(portal.base_url, ca_file=str(ca.pem)).status()
    assert caught.value.problem == ("unknown_issuer" if self_signed else "wrong_name")
    looked = closer_look(caught.value, portal.base_url)
    assert looked.problem == "portal" and "用浏览器打开任意网页" in looked.message


class CountingSession(requests.Session):
    """A real session that counts what it is asked to send."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def send(self, request, **kwargs):
        self.sent += 1
        return super().send(request, **kwargs)


@pytest.mark.parametrize("url", ["http://ssb.fuliang.gov.cn", "http://10.0.0.5:8600", "HTTP://[fe80::1]:80/"])
def test_plain_http_to_another_machine_is_refused_before_any_request(url, store):
    session = CountingSession()
    store.append(make_case_draft())
    report = SyncEngine(SyncClient(url, "token", session=session), StoreSyncPort(store), app_version="t").run()
    assert isinstance(report.error, Insecure) and report.error.code == "insecure_address"
    assert "https://" in report.error.message and "身份证号" in report.error.message
    assert session.sent == 0 and store.outbox_counts() == {"pending": 1}


def test_a_redirect_from_https_to_http_is_never_followed(ca):
    with Recorder() as plain:
        moved = {"Location": f"{plain.url}/api/v1/status"}
        with Recorder(307, moved, cert=ca.issue("moved")) as secure, pytest.raises(Insecure) as caught:
            SyncClient(secure.url, "secret-token", ca_file=str(ca.pem)).status()
        assert caught.value.code == "insecure_redirect" and "没有跟过去" in caught.value.message
        assert secure.hits == ["GET /api/v1/status"] and plain.hits == []  # the token never went out in clear


@sqlite_only
def test_the_pcs_own_trust_store_is_used_linux_reads_ssl_cert_file(serve, ca, tmp_path, monkeypatch):
    """truststore on Linux asks OpenSSL for the system's default locations, which SSL_CERT_FILE overrides: a CA
    added to that bundle is trusted with no CA file set in the app; without it the same county is refused."""
    county = serve(ca.issue("county"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    code = new_point(county)["code"]
    with pytest.raises(CertificateProblem) as caught:
        activate(county.base_url, code, tmp_path / "d", PASSWORD)
    assert caught.value.problem == "unknown_issuer" and not (tmp_path / "d" / "ledger.db").exists()
    system = Path("/etc/ssl/certs/ca-certificates.crt")
    bundle = tmp_path / "system-bundle.pem"  # the machine's bundle with the county's CA installed into it
    bundle.write_bytes((system.read_bytes() if system.exists() else b"") + ca.pem.read_bytes())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    store = activate(county.base_url, code, tmp_path / "d", PASSWORD).store  # no CA file anywhere in the app
    try:
        store.append(make_case_draft())
        assert SyncEngine(sync_client_for(store), StoreSyncPort(store), app_version="t").run().ok
        assert store.outbox_counts() == {"acked": 1} and events_at(county) == 1
    finally:
        store.close()
