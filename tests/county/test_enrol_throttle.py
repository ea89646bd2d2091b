"""The activation-code throttle replayed as it was attacked: forged forwarded addresses, carrier NAT, a budget."""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from county import cli as county_cli
from county.api.app import create_app
from county.config import ConfigError, Limits, Settings, parse_proxies
from county.models import AuditLog, Device
from county.services.pii import new_key
from county.services.throttle import ALERT_ACTION
from tests.county.conftest import RunningCounty, new_point, start_server

ROOT = Path(__file__).resolve().parents[2]


def enrol(base_url: str, code: str, *, key: str | None = None, forwarded: str | None = None) -> requests.Response:
    body = {
        "activation_code": code,
        "device_label": "t",
        "app_version": "test",
        "device_time": "2026-11-27T09:30:00.000+08:00",
    }
    if key:
        body["signing_key"] = key
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return requests.post(f"{base_url}/api/v1/enrol", json=body, headers=headers, timeout=10)


def wrong_code(rng: random.Random) -> str:
    return "-".join("".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(4)) for _ in range(3))


def random_address(rng: random.Random) -> str:
    return ".".join(str(rng.randrange(1, 255)) for _ in range(4))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """``suishenban-county serve`` as the bureau runs it, on loopback, no trusted proxy configured."""
    db = f"sqlite:///{tmp_path / 'county.db'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SUISHENBAN_COUNTY_DB": db, "SUISHENBAN_COUNTY_PII_KEY": new_key()}
    env.pop("SUISHENBAN_COUNTY_TRUSTED_PROXIES", None)
    assert county_cli.main(["--db", db, "create-township", "瑶里镇"]) == 0
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "county.cli", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{base_url}/healthz", timeout=1)
            break
        except requests.ConnectionError:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
    try:
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_forged_forwarded_addresses_from_loopback_are_throttled_like_one_address(served):
    """The attack: 200 wrong codes from loopback, each with a random X-Forwarded-For and a fresh install key."""
    rng = random.Random(12)
    limit = Limits().enrol_failures_per_address
    statuses = [
        enrol(served, wrong_code(rng), key=secrets.token_hex(32), forwarded=random_address(rng)).status_code
        for _ in range(200)
    ]
    assert statuses[:limit] == [400] * limit
    assert statuses[limit:] == [429] * (200 - limit)


def test_serve_refuses_to_start_without_the_personal_data_key(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SUISHENBAN_COUNTY_PII_KEY", raising=False)
    monkeypatch.delenv("SUISHENBAN_COUNTY_PII_KEY_FILE", raising=False)
    assert county_cli.main(["--db", f"sqlite:///{tmp_path / 'c.db'}", "serve"]) == 1
    assert "SUISHENBAN_COUNTY_PII_KEY" in capsys.readouterr().err
    monkeypatch.setenv("SUISHENBAN_COUNTY_TRUSTED_PROXIES", "10.0.0.1, nginx")
    with pytest.raises(ConfigError, match="nginx"):
        Settings.from_env()


def test_one_counters_typos_behind_carrier_nat_do_not_lock_out_its_neighbours(county):
    """Ten wrong codes by one install make that install wait; another counter on the same address enrols."""
    rng = random.Random(3)
    typist, neighbour = secrets.token_hex(32), secrets.token_hex(32)
    for _ in range(county.settings.limits.enrol_failures_per_window):
        assert enrol(county.base_url, wrong_code(rng), key=typist).status_code == 400
    own = new_point(county)["code"]
    refused = enrol(county.base_url, own, key=typist)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert "10 分钟" in refused.json()["error"]["message"]
    assert enrol(county.base_url, own, key=neighbour).status_code == 201


def test_the_same_code_tried_from_many_installs_is_stopped_per_code(county):
    limit = county.settings.limits.enrol_failures_per_code
    statuses = [
        enrol(county.base_url, "K7QX-M2PA-9TRD", key=secrets.token_hex(32)).status_code for _ in range(limit + 2)
    ]
    assert statuses == [400] * limit + [429, 429]


def test_a_trusted_proxys_forwarded_address_is_the_client(county_engine):
    settings = Settings(database_url="(fixture)", pii_key=new_key(), trusted_proxies=parse_proxies("127.0.0.1"))
    server, thread, port = start_server(create_app(settings, county_engine))
    try:
        county = RunningCounty(f"http://127.0.0.1:{port}", county_engine, settings)
        rng = random.Random(5)
        for _ in range(settings.limits.enrol_failures_per_window):
            assert enrol(county.base_url, wrong_code(rng), forwarded="10.1.1.1").status_code == 400
        assert enrol(county.base_url, wrong_code(rng), forwarded="10.1.1.1").status_code == 429
        assert enrol(county.base_url, wrong_code(rng), forwarded="10.2.2.2").status_code == 400  # another client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def county_limits() -> Limits:
    return Limits(enrol_alert_failures=30, enrol_failures_per_address=1000)


def test_past_the_county_wide_budget_the_bureau_is_alerted_and_nobody_is_locked_out(county, caplog, capsys):
    rng = random.Random(9)
    with caplog.at_level(logging.WARNING, logger="county.services.throttle"):
        for _ in range(40):
            assert enrol(county.base_url, wrong_code(rng), key=secrets.token_hex(32)).status_code == 400
    assert enrol(county.base_url, new_point(county)["code"], key=secrets.token_hex(32)).status_code == 201
    with county.session() as session:
        alerts = session.scalars(select(AuditLog).where(AuditLog.action == ALERT_ACTION)).all()
        assert len(alerts) == 1 and alerts[0].detail["failures"] == 30  # once per window, not per failure
        assert session.scalar(select(Device)) is not None
    assert [r.levelno for r in caplog.records if "possible guessing attack" in r.getMessage()] == [logging.WARNING]
