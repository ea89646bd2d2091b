"""The county's log: one JSON line per record with the request id, echoed as X-Request-ID; no personal data."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from county import logs
from county.services.pii import new_key
from tests.county.conftest import county, county_engine, county_limits, evidence_backend  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
ID_NUMBER, PHONE, NAME = "36022219581107432X", "13979812345", "程建国"


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_each_request_gets_an_id_in_its_log_lines_and_its_response(county):
    stream = io.StringIO()
    logs.configure(stream)
    given = requests.get(f"{county.base_url}/healthz", headers={"X-Request-ID": "nginx-7f3a9c"}, timeout=10)
    made = requests.get(f"{county.base_url}/healthz", timeout=10)
    refused = requests.get(f"{county.base_url}/healthz", headers={"X-Request-ID": 'a b"c' * 30}, timeout=10)
    assert given.headers["X-Request-ID"] == "nginx-7f3a9c"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["X-Request-ID"])  # not a sane id: a fresh one instead
    access = wait_for_access_lines(stream, 3)  # each is written as its response goes out
    assert [line["request_id"] for line in access] == [r.headers["X-Request-ID"] for r in (given, made, refused)]
    assert all(line["message"].startswith("GET /healthz 200 ") and line["level"] == "INFO" for line in access)


def test_personal_data_is_masked_in_every_line_and_exception():
    stream = io.StringIO()
    logs.configure(stream)
    token = logs.REQUEST_ID.set("req-1")
    try:
        log = logging.getLogger("county.services.anything")
        log.warning("applicant %s phone %s name=%s", ID_NUMBER, PHONE, NAME)
        try:
            raise ValueError(f"duplicate {ID_NUMBER} / {PHONE}")
        except ValueError:
            log.exception("refused")
    finally:
        logs.REQUEST_ID.reset(token)
    text = stream.getvalue()
    assert ID_NUMBER not in text and PHONE not in text and NAME not in text
    first, second = _lines(stream)
    assert first["message"] == "applicant 3602**********432X phone 139****2345 name=程**"
    assert first["request_id"] == "req-1" and first["level"] == "WARNING"
    assert "ValueError: duplicate 3602**********432X / 139****2345" in second["exception"]


def wait_for_access_lines(stream: io.StringIO, count: int) -> list[dict]:
    deadline = time.monotonic() + 10
    while True:
        access = [line for line in _lines(stream) if line["logger"] == "county.access"]
        if len(access) >= count or time.monotonic() > deadline:
            return access
        threading.Event().wait(0.01)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_served_endpoint_writes_json_lines_on_stdout(tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SUISHENBAN_COUNTY_PII_KEY": new_key()}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "county.cli",
            "--db",
            f"sqlite:///{tmp_path / 'county.db'}",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.get(
                    f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "probe-1"}, timeout=2
                )
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, server.communicate()
                time.sleep(0.1)
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert answer.status_code == 200 and answer.headers["X-Request-ID"] == "probe-1"
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(r["logger"] == "county.access" and r["request_id"] == "probe-1" for r in records), out + err
