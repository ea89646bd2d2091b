"""Real data for the screenshots: the practice ledger synced with the practice county, a refusal, an activation.

Everything shown comes from the system itself: the practice county (a child process, as in training mode)
takes the practice week, its pretend department accepts approval cases, a case the agent voided after the
department had accepted it is refused with the county's own reason, and a second practice activation code
gives a real recovery code. Without the county code (the frozen app) the shots fall back to offline data.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from desktop.services import practice

log = logging.getLogger(__name__)

DEPARTMENT_WAIT_S = 20.0
SAMPLE_CODE = "K7QX-M2PA-9TRD"
SAMPLE_RECOVERY = "7KQX-M2PA-9TRD-H4NW-3FJC"


@dataclass
class ShotData:
    """What the activation scenes show besides the live windows."""

    refusal: str = ""  # the county's words for a code already used
    recovery_code: str = ""
    point_name: str = ""
    account_name: str = ""
    notes: list[str] = field(default_factory=list)


def _counter(folder: Path, now: datetime):
    from desktop.services.login import unlock_counter

    return unlock_counter(folder, practice.PASSWORD, training=True, clock=lambda: now)


def _wait_for_department(counter, deadline: float) -> str | None:
    """Until the department accepted a case still 材料已送交 here (looked at without taking it in)."""
    from desktop.services.cases import CaseFilter, CaseQueries
    from desktop.services.syncing import waiting_statuses

    sent = {
        row.case_id
        for row in CaseQueries(counter.store, counter.catalogue).page(CaseFilter(state="materials_sent"), 0, 200)
    }
    pause = threading.Event()
    while time.monotonic() < deadline:
        if found := sorted(waiting_statuses(counter) & sent):
            return found[0]
        pause.wait(0.5)
    return None


def _sync_with_a_refusal(folder: Path, now: datetime, data: ShotData) -> None:
    from desktop.services.syncing import run_sync
    from sync.ledger.forms import draft_void

    counter = _counter(folder, now)
    try:
        if not run_sync(counter).ok:
            data.notes.append("第一次同步没有成功")
            return
        case_id = _wait_for_department(counter, time.monotonic() + DEPARTMENT_WAIT_S)
        if case_id is None:
            data.notes.append("培训用的部门没有及时受理，截图里没有被退回的记录")
        else:
            counter.append(draft_void(case_id, "群众说不办了"))  # offline, not knowing the department accepted it
        run_sync(counter)
    finally:
        counter.close()


def _activation_shots(seed: Path, now: datetime, data: ShotData) -> None:
    """A real refusal (the code already used) and a real activation with the next practice code."""
    from desktop.services.enrolling import ActivationForm, ActivationRefused, activate_counter

    sandbox = practice.start_sandbox(seed, clock_at=now)  # a fresh start issues a fresh practice code
    try:
        with tempfile.TemporaryDirectory(prefix="suishenban-activation-") as scratch:
            form = ActivationForm(sandbox.base_url, sandbox.activation_code, practice.PASSWORD, practice.PASSWORD)
            counter, done = activate_counter(Path(scratch) / "new", form)
            counter.close()
            data.recovery_code, data.point_name, data.account_name = (
                done.recovery_code,
                done.point_name,
                done.account_name,
            )
            try:
                activate_counter(Path(scratch) / "again", form)
            except ActivationRefused as refused:
                data.refusal = refused.errors.get("code", "")
    finally:
        sandbox.stop()


def prepare_shots(seed: Path, now: datetime, *, county: bool = True) -> ShotData:
    """Fill ``seed`` with the practice ledger (synced when the practice county runs) and gather activation data.

    ``county=False``: the practice ledger offline, sample activation data (no practice county started)."""
    data = ShotData()
    if not county:
        practice.prepare(seed, now.date())
        return _offline_activation(data)
    setup = practice.prepare_with_sandbox(seed, now.date(), clock_at=now)
    if setup.sandbox is None:
        data.notes.append("培训用的县级端没有启动：截图用离线的练习台账")
        return _offline_activation(data)
    try:
        _sync_with_a_refusal(seed, now, data)
    finally:
        setup.sandbox.stop()
    try:
        _activation_shots(seed, now, data)
    except Exception as exc:  # the shots still go on, with sample activation data
        log.warning("activation for the screenshots failed: %s", type(exc).__name__)
        data.notes.append("激活截图用示例数据")
        _offline_activation(data)
    return data


def _offline_activation(data: ShotData) -> ShotData:
    data.recovery_code = data.recovery_code or SAMPLE_RECOVERY
    data.point_name = data.point_name or "培训代办点（练习用）"
    data.account_name = data.account_name or "练习代办员"
    data.refusal = data.refusal or "这个激活码已经用过了，每个激活码只能用一次。请向县政务服务管理局申请新的激活码。"
    return data
