"""`suishenban-county serve --workers N` on Linux: every process takes connections, and a dead one comes back."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

from county.api import workers
from county.db import make_engine, upgrade
from county.services.pii import new_key

pytestmark = pytest.mark.skipif(not workers.supported(), reason="SO_REUSEPORT workers are for Linux")

APP = "county.api.app:create_app_from_env"
CONNECTIONS = 32


@pytest.fixture
def pool(tmp_path: Path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'county.db'}"
    upgrade(make_engine(url))
    monkeypatch.setenv("SUISHENBAN_COUNTY_DB", url)  # the processes build their app from the environment
    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY", new_key())
    pool = workers.Workers(APP, {"log_level": "warning"}, 2, host="127.0.0.1", port=0)
    base = f"http://127.0.0.1:{pool.start()}"
    supervisor = threading.Thread(target=pool.supervise, daemon=True)
    supervisor.start()
    _wait_until_answering(base)
    yield pool, base
    pool.stop()
    supervisor.join(30)
    assert not any(p.is_alive() for p in pool.processes if p is not None)


def _wait_until_answering(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=2).ok:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError("the endpoint did not answer")


def _established_by_pid(pids: list[int], port: int) -> dict[int, int]:
    """How many of the server's established connections on ``port`` each process holds (from /proc)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 01: ESTABLISHED, local side
            inodes.add(fields[9])
    counts = {}
    for pid in pids:
        held = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            held += target.startswith("socket:[") and target[8:-1] in inodes
        counts[pid] = held
    return counts


def test_connections_are_spread_over_every_process(pool):
    pool, base = pool
    sessions = [requests.Session() for _ in range(CONNECTIONS)]
    try:
        for session in sessions:  # each keeps its connection open, as a counter does during a sync
            assert session.get(base + "/healthz", timeout=10).json() == {"status": "ok"}
        counts = _established_by_pid([p.pid for p in pool.processes], pool.port)
        assert sum(counts.values()) == CONNECTIONS
        assert all(n > 0 for n in counts.values()), counts  # all 32 on one of 2 sockets: 1 in 2 billion
    finally:
        for session in sessions:
            session.close()


def test_a_process_that_dies_is_started_again_and_nothing_goes_unanswered(pool):
    pool, base = pool
    victim = pool.processes[0]
    os.kill(victim.pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (pool.processes[0] is victim or pool.restarts < 1):
        time.sleep(0.1)
    assert pool.restarts == 1 and pool.processes[0].pid != victim.pid
    _wait_until_answering(base)
    for _ in range(CONNECTIONS):  # new connections land on both sockets, the restarted one included
        with requests.Session() as session:
            assert session.get(base + "/healthz", timeout=30).ok
