"""Training mode for real (培训模式): a sandbox county endpoint on loopback, enrolled and synced against.

The sandbox is the county's own code run as a child process with its own SQLite file in the training
folder, so a newcomer sees the whole system work — records go up, department statuses come back —
without touching the real county or real records.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop.services.activation import activate, sync_client_for
from desktop.store.engine import write
from desktop.store.ledger import LedgerStore, get_meta, set_meta
from desktop.store.opening import open_store
from desktop.store.sync_port import StoreSyncPort
from desktop.version import app_version
from sync.engine import SyncEngine, SyncReport

TRAINING_PASSWORD = "peixun2026"
START_TIMEOUT = 60.0
NOT_IN_THIS_BUILD = (
    "这个安装版不带培训用的县级端，培训模式只在本机练习：登记、打印、寄递、日结都照常，只是练习不了记录上传和部门回复。"
)


class SandboxError(Exception):
    pass


class SandboxUnavailable(SandboxError):
    """The county code is not installed with this app (the installed build leaves it out): nothing to start."""


def county_available() -> bool:
    """Whether ``python -m county.cli`` can run here: from source yes; the installed build leaves the county out."""
    return importlib.util.find_spec("county") is not None


@dataclass
class TrainingSandbox:
    """The child process serving the practice county; stop() ends it."""

    process: subprocess.Popen
    base_url: str
    activation_code: str

    @classmethod
    def start(
        cls, folder: Path, *, timeout: float = START_TIMEOUT, clock_at: datetime | None = None
    ) -> TrainingSandbox:
        if not county_available():
            raise SandboxUnavailable(NOT_IN_THIS_BUILD)
        folder.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "county.cli",
            "--db",
            f"sqlite:///{folder / 'county-sandbox.db'}",
            "training-sandbox",
            "--until-stdin-closes",
            *(["--clock-at", clock_at.isoformat()] if clock_at else []),
        ]
        # stdin stays open as a lifeline: when this process ends, however it ends, the sandbox sees EOF and stops
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not line or not line[0].strip():
            process.kill()
            process.wait()
            process.stdout.close()
            process.stdin.close()
            raise SandboxError("培训用的县级端没有启动起来，可以先离线练习登记，稍后再试同步。")
        info = json.loads(line[0])
        return cls(process, info["base_url"], info["activation_code"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pipe in (self.process.stdout, self.process.stdin):
            if pipe:
                pipe.close()


def open_training_store(folder: Path, sandbox: TrainingSandbox) -> tuple[LedgerStore, str | None]:
    """The practice ledger, enrolled with the sandbox on first use; returns (store, recovery code if new)."""
    if (folder / "keyring.json").exists():
        store, _report = open_store(folder, TRAINING_PASSWORD)
        with write(store.engine) as conn:
            if "device_token" in get_meta(conn):  # enrolled with a sandbox: it listens on a new port each time
                set_meta(conn, server_url=sandbox.base_url)
        return store, None
    done = activate(sandbox.base_url, sandbox.activation_code, folder, TRAINING_PASSWORD)
    return done.store, done.recovery_code


def sync_now(store: LedgerStore) -> SyncReport:
    client = sync_client_for(store)
    if client is None:
        raise SandboxError("这个练习台账没有连接培训用的县级端。")
    return SyncEngine(client, StoreSyncPort(store), app_version=app_version()).run()
