"""One sync run for the counter (同步): push and pull with progress, the digest check after a day close, the lock.

Qt-free: the background job in ``desktop.jobs.sync`` calls ``run_sync`` off the UI thread and decides when
to try again. Every expected failure comes back inside the outcome; nothing here raises for the network.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from desktop.services.activation import sync_client_for
from desktop.services.catalogue import current_catalogue
from desktop.services.certificates import closer_look
from desktop.services.session import Counter
from desktop.store import evidence as evidence_store
from desktop.store.engine import read
from desktop.store.evidence import StoreImagePort
from desktop.store.ledger import get_meta
from desktop.store.sync_port import StoreSyncPort
from desktop.version import app_version
from sync.client import CertificateProblem, Outdated
from sync.engine import SyncEngine, SyncReport
from sync.images import ImageUploader, UploadReport

NETWORK_CODES = frozenset({"network"})  # the county could not be reached at all: the network is down
PROBE_TIMEOUT_S = 3.0
IMAGE_ROUNDS = 50  # a run lets records overtake the images at most this often before it ends
PRACTICE_MISMATCH = (
    "培训用的县级端不认识这个练习台账了（它的数据文件可能被删了）。练习登记照常可用；想练习同步，"
    "可以关掉软件，删除练习文件夹后重新打开培训模式。"
)


class Cancelled(Exception):
    """The window is closing: the run stops between batches (each batch's state was written before it was sent)."""


@dataclass(frozen=True)
class SyncOutcome:
    """What one run did; ``report`` is None when this ledger is not connected to a county."""

    report: SyncReport | None
    offline: bool = False
    retry_after: float | None = None
    digest_mismatch: tuple[str, ...] = ()
    new_catalogue: str = ""  # a newer catalogue the county published, used from the next login
    resent: int = 0  # records sent again after the monthly check found a gap
    digests_checked: bool = False
    images: UploadReport | None = None  # the material images sent after the records (None: none were tried)

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok

    @property
    def locked(self) -> bool:
        return self.report is not None and self.report.locked

    @property
    def message(self) -> str:
        return self.report.error.message if self.report is not None and self.report.error is not None else ""


def county_url(counter: Counter) -> str | None:
    """The county (or practice county) this ledger syncs with; None when it was never activated."""
    with read(counter.store.engine) as conn:
        meta = get_meta(conn)
    return meta.get("server_url") if "device_token" in meta else None


def sync_engine(counter: Counter) -> SyncEngine | None:
    if county_url(counter) is None:
        return None
    return SyncEngine(sync_client_for(counter.store), StoreSyncPort(counter.store), app_version=app_version())


def run_sync(
    counter: Counter,
    progress: Callable[[int, int], None] | None = None,
    *,
    check_digests: bool = False,
    cancel: threading.Event | None = None,
    image_progress: Callable[[int, int], None] | None = None,
) -> SyncOutcome:
    """Push everything waiting, pull what the county has for this point; after a day close also compare digests."""
    engine = sync_engine(counter)
    if engine is None:
        return SyncOutcome(None)

    def report_progress(done: int, total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        if progress is not None:
            progress(done, total)

    report = engine.run(report_progress)
    if isinstance(report.error, CertificateProblem):  # a Wi-Fi login page in between is told as such
        looked = closer_look(report.error, county_url(counter) or "")
        if looked is not report.error:
            report.error = looked
            StoreSyncPort(counter.store).note_run(last_error=looked.message, last_error_code=looked.code)
    mismatch: list[str] = []
    resent, checked_ok = 0, False
    if report.ok and check_digests:
        checked = engine.check_digests()
        checked_ok = checked.error is None
        if checked.error is not None:
            report.error, report.locked = checked.error, checked.locked
        elif checked.digest_mismatch:
            mismatch = checked.digest_mismatch
            again = engine.run(report_progress)  # the county lost something it had acknowledged: send it again
            resent = again.pushed
            report.error, report.locked = again.error, again.locked
    if report.locked and counter.training:
        # The practice county forgot this practice ledger (its file was deleted): say so, never lock practice.
        report.locked = False
        report.error.message = PRACTICE_MISMATCH
        StoreSyncPort(counter.store).note_run(last_error=PRACTICE_MISMATCH)
    if report.locked:
        lock(counter, report.error.message)
    images = None
    if report.ok:
        images, again = send_images(counter, engine, report_progress, cancel, image_progress)
        report.pushed += again.pushed
        report.pulled += again.pulled
        report.error, report.locked = again.error, again.locked
        if report.locked:
            lock(counter, report.error.message)
    new_catalogue = ""
    if report.pulled:
        newest = current_catalogue(counter.store)
        if newest.version != counter.catalogue.version:
            new_catalogue = newest.version
    error = report.error
    return SyncOutcome(
        report,
        offline=error is not None and error.code in NETWORK_CODES,
        retry_after=error.retry_after if error is not None else None,
        digest_mismatch=tuple(mismatch),
        new_catalogue=new_catalogue,
        resent=resent,
        digests_checked=checked_ok,
        images=images,
    )


def send_images(
    counter: Counter,
    engine: SyncEngine,
    progress: Callable[[int, int], None],
    cancel: threading.Event | None = None,
    image_progress: Callable[[int, int], None] | None = None,
) -> tuple[UploadReport, SyncReport]:
    """Material images after the records, chunk by chunk; a record made meanwhile is pushed first, then the
    images go on (sync/images.py). Returns the images' report and what the extra pushes did."""
    events = StoreSyncPort(counter.store)
    uploader = ImageUploader(
        engine.client,
        StoreImagePort(counter.store),
        events_waiting=lambda: events.pending_count() > 0,
        cancelled=lambda: cancel is not None and cancel.is_set(),
    )
    total, extra = UploadReport(), SyncReport()

    def backlog(_sent: int, _size: int) -> None:
        if image_progress is not None:
            _left, sent, size = evidence_store.progress(counter.store)
            image_progress(sent, size)

    for _round in range(IMAGE_ROUNDS):
        done = uploader.run(backlog)
        total.images_done += done.images_done
        total.bytes_sent += done.bytes_sent
        total.waiting, total.damaged, total.error = done.waiting, done.damaged, done.error
        total.seconds += done.seconds
        if not done.stopped_for_events:
            break
        again = engine.run(progress)  # records first
        extra.pushed += again.pushed
        extra.pulled += again.pulled
        if not again.ok:
            extra.error, extra.locked = again.error, again.locked
            break
    return total, extra


def lock(counter: Counter, message: str) -> None:
    """Remember in the ledger that the county stopped this counter, so it stays locked after a restart."""
    StoreSyncPort(counter.store).note_run(locked="1", locked_message=message or "县里已停用这台电脑。")
    counter.locked = message or "县里已停用这台电脑。"


def unlock(counter: Counter) -> None:
    """The county took this counter back (恢复): forget the lock, so recording and sync resume, now and after a restart."""
    StoreSyncPort(counter.store).note_run(locked="", locked_message="")
    counter.locked = ""


def lock_message(counter: Counter) -> str:
    notes = StoreSyncPort(counter.store).sync_notes()
    return notes.get("locked_message", "") if notes.get("locked") == "1" else ""


def waiting_statuses(counter: Counter) -> set[str]:
    """Case ids the county has new statuses for, looked at without taking them in (used by the screenshots)."""
    client = sync_client_for(counter.store)
    if client is None:
        return set()
    page = client.pull(StoreSyncPort(counter.store).pull_cursor(), 200)
    return {str(item.payload.get("case_id")) for item in page.items if item.kind == "case_status"}


def reachable(url: str, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether a TCP connection to the county's host opens: a cheap sign that the network is back."""
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def summary(outcome: SyncOutcome) -> str:
    """One plain sentence about a finished run, for the message bar and the sync page."""
    report = outcome.report
    if report is None:
        return "这个台账没有连接县里，记录都保存在本机。"
    if report.locked:
        return "县里已停用这台电脑，不能再同步。本机的记录都还在。"
    parts = []
    if report.pushed:
        parts.append(f"上传 {report.pushed} 条记录")
    if report.pulled:
        parts.append(f"收到县里的 {report.pulled} 条更新")
    if report.rejected:
        parts.append(f"其中 {report.rejected} 条被县里退回，请在“同步”页查看原因")
    if outcome.images is not None and outcome.images.images_done:
        parts.append(f"上传 {outcome.images.images_done} 张材料影像")
    if outcome.images is not None and outcome.images.damaged:
        parts.append(
            f"有 {outcome.images.damaged} 张材料影像与台账里的记录对不上（可能被替换或损坏），没有上传，"
            "请在台账里找到这笔办件重新添加"
        )
    if outcome.resent:
        parts.append(f"核对时发现县里缺少记录，已重新上传 {outcome.resent} 条")
    if isinstance(report.error, Outdated):
        return "柜台软件需要升级，县里暂不接收这个版本的同步；记录都保存在本机，不会丢失。请看“同步”页的说明。"
    if report.error is not None:
        done = "，".join(parts)
        return (f"{done}。" if done else "") + f"同步没有完成：{report.error.message}"
    return ("同步完成：" + "，".join(parts) + "。") if parts else "同步完成，没有新的记录要上传。"
