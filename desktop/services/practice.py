"""The practice point (培训模式): its own data folder, a known password, sample records, and a practice county.

With the county code at hand (running from source), training starts the practice county as a child process
(``desktop.services.training``), enrols the practice ledger with it on first use and syncs against it, so a
newcomer sees records go up and department statuses come back. Without it (the installed build leaves the
county out, see build.spec), the practice ledger is made offline, the agent is told so in one sentence, and
everything but sync works as before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from desktop.services.login import store_exists

log = logging.getLogger(__name__)

PASSWORD = "peixun2026"  # the same as desktop.demo.TRAINING_PASSWORD (a test keeps them equal)
BANNER = "【培训模式】这里都是练习数据，不会上报县里，也不计入真实积分"
SANDBOX_TIMEOUT_S = 30.0
OFFLINE_NOTE = (
    "培训用的县级端这次没有启动起来，练习只在本机进行：登记、打印、寄递、日结都照常，"
    "只是看不到记录上传和部门回复的状态。"
)
UNENROLLED_NOTE = (
    "这个练习台账是在没有培训用县级端时建的，所以不能练习同步。想练习同步，"
    "可以关掉软件，删除练习文件夹（{folder}）后重新打开培训模式。"
)


def prepare(folder: Path, today: date) -> bool:
    """Create and fill an offline practice ledger if it is not there yet; True when it was made now."""
    if store_exists(folder):
        return False
    from desktop import demo

    demo.seed_training(folder, today)
    return True


@dataclass
class PracticeSetup:
    """What training mode starts with: the running practice county (or None) and, without it, why."""

    sandbox: object | None  # desktop.services.training.TrainingSandbox; stop() it on exit
    note: str
    made: bool


def start_sandbox(folder: Path, clock_at: datetime | None = None):
    """The practice county as a child process (a function of its own so tests can stand in for a failure);
    ``clock_at``: the county's clock starts there (the screenshots' set day) instead of the real time."""
    from desktop.services.training import TrainingSandbox

    return TrainingSandbox.start(folder, timeout=SANDBOX_TIMEOUT_S, clock_at=clock_at)


def _connect_existing(folder: Path, sandbox) -> bool:
    """Point an enrolled practice ledger at the sandbox's new port; False for one made offline."""
    from desktop.store.engine import read, write
    from desktop.store.ledger import get_meta, set_meta
    from desktop.store.opening import open_store

    store, _report = open_store(folder, PASSWORD)
    try:
        with read(store.engine) as conn:
            enrolled = "device_token" in get_meta(conn)
        if enrolled:
            with write(store.engine) as conn:
                set_meta(conn, server_url=sandbox.base_url)
        return enrolled
    finally:
        store.close()


def prepare_with_sandbox(folder: Path, today: date, clock_at: datetime | None = None) -> PracticeSetup:
    """Start the practice county and make sure the practice ledger is enrolled with it; offline if it will not start."""
    from desktop import demo
    from desktop.services.training import SandboxError, SandboxUnavailable, open_training_store
    from sync.client import SyncError

    try:
        sandbox = start_sandbox(folder, clock_at)
    except SandboxUnavailable as exc:  # the installed build: the county code is not there to start
        return PracticeSetup(None, str(exc), prepare(folder, today))
    except (SandboxError, OSError, ValueError, KeyError) as exc:
        log.warning("practice county did not start: %s", type(exc).__name__)
        return PracticeSetup(None, OFFLINE_NOTE, prepare(folder, today))
    try:
        if store_exists(folder):
            if _connect_existing(folder, sandbox):
                return PracticeSetup(sandbox, "", False)
            sandbox.stop()
            return PracticeSetup(None, UNENROLLED_NOTE.format(folder=folder), False)
        try:
            store, _recovery_code = open_training_store(folder, sandbox)
        except SyncError as exc:
            log.warning("practice county refused enrolment: %s", exc.code)
            sandbox.stop()
            return PracticeSetup(None, OFFLINE_NOTE, prepare(folder, today))
        try:
            demo.seed_store(store, today)
        finally:
            store.close()
        return PracticeSetup(sandbox, "", True)
    except BaseException:
        sandbox.stop()
        raise
