"""``suishenban-county serve`` listens beyond loopback only with TLS or behind a proxy, and serves TLS itself."""

from __future__ import annotations

import argparse
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from county import cli as county_cli
from county.services.pii import new_key
from tests.county.test_enrol_throttle import free_port
from tests.tls_pki import MadeCA

ROOT = Path(__file__).resolve().parents[2]


def serve_args(**overrides) -> argparse.Namespace:
    values = {"host": "127.0.0.1", "ssl_certfile": None, "ssl_keyfile": None, "behind_proxy": False}
    return argparse.Namespace(**(values | overrides))


@pytest.fixture
def keyed(monkeypatch):
    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY", new_key())


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "ssb.fuliang.gov.cn"])
def test_plain_http_beyond_loopback_is_refused_with_the_ways_out(host, keyed, tmp_path, capsys):
    assert county_cli.main(["--db", f"sqlite:///{tmp_path / 'c.db'}", "serve", "--host", host]) == 1
    err = capsys.readouterr().err
    assert f"不能在 {host} 上用不加密的 http" in err
    assert "--ssl-certfile" in err and "--behind-proxy" in err and "docs/deployment.md" in err
    assert not (tmp_path / "c.db").exists()  # refused before the database is touched


def test_half_a_tls_pair_or_a_missing_file_is_refused(keyed, tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert county_cli.main(["--db", db, "serve", "--ssl-certfile", "x.pem"]) == 1
    assert "要一起给" in capsys.readouterr().err
    missing = tmp_path / "none.pem"
    assert county_cli.main(["--db", db, "serve", "--ssl-certfile", str(missing), "--ssl-keyfile", str(missing)]) == 1
    assert f"找不到文件 {missing}" in capsys.readouterr().err


def test_what_may_listen_where():
    assert county_cli.tls_refusal(serve_args()) is None
    assert county_cli.tls_refusal(serve_args(host="::1")) is None
    assert county_cli.tls_refusal(serve_args(host="localhost")) is None
    assert county_cli.tls_refusal(serve_args(host="0.0.0.0", behind_proxy=True)) is None
    assert county_cli.tls_refusal(serve_args(host="0.0.0.0"))


def test_serve_speaks_tls_itself_with_a_certificate_from_an_internal_ca(tmp_path):
    ca = MadeCA(tmp_path / "pki")
    cert = ca.issue("county")
    db = f"sqlite:///{tmp_path / 'county.db'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SUISHENBAN_COUNTY_PII_KEY": new_key()}
    port = free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "county.cli", "--db", db, "serve", "--port", str(port), "--workers", "1"]
            + ["--ssl-certfile", str(cert.cert), "--ssl-keyfile", str(cert.key)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while (answer := healthz_over_tls(port, ca.pem)) is None:
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.05)
        assert answer.startswith(b"HTTP/1.1 200")
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)  # no plain HTTP on the TLS port
        assert "https://127.0.0.1" in (tmp_path / "serve.log").read_text()
    finally:
        process.terminate()
        process.wait(timeout=10)


def healthz_over_tls(port: int, ca_file: Path) -> bytes | None:
    """The first bytes of /healthz over TLS checked against ``ca_file``, or None while nothing answers; every
    socket closed on the way out (``serve`` waits for open connections when it is stopped)."""
    context = ssl.create_default_context(cafile=str(ca_file))
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return tls.recv(64)
    except OSError:
        return None
