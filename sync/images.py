"""Uploading material images (材料影像) beside the event batches: chunked, resumable, events first.

The county's answer to every chunk says how many bytes it holds, and the device writes that down before
the next chunk (``ImagePort.record_sent``), so a dropped connection, a killed program or a restart goes on
from there; the county tells the truth on the first call of a run anyway (``image_state``). Between chunks
the uploader asks whether events are waiting and stops if so: a slow link carries the records first, and
a chunk is small enough (16 KB, a few seconds on 2G) that a new record waits at most that long.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sync.client import NotYet, Resume, SyncClient, SyncError

CHUNK_BYTES = 16 * 1024


@dataclass(frozen=True)
class PendingImage:
    seq: int  # the evidence.attached event's sequence number on the device
    sha256: str
    size: int
    sent_bytes: int  # how far the county confirmed, as last written down


class ImagePort(Protocol):
    """The device's side: which images wait, their bytes, and how far each one got."""

    def unsent_images(self) -> list[PendingImage]: ...

    def image_bytes(self, seq: int) -> bytes: ...

    def record_sent(self, seq: int, sent_bytes: int, *, done: bool = False) -> None: ...


@dataclass
class UploadReport:
    images_done: int = 0
    bytes_sent: int = 0
    stopped_for_events: bool = False  # records were waiting: they go first, the images continue after them
    waiting: int = 0  # images the county does not know yet (their records are still on the way)
    damaged: int = 0  # images whose bytes no longer match their record on this PC
    error: SyncError | None = None
    seconds: float = 0.0
    done_seqs: list[int] = field(default_factory=list)


class ImageUploader:
    def __init__(
        self,
        client: SyncClient,
        port: ImagePort,
        *,
        chunk: int = CHUNK_BYTES,
        events_waiting: Callable[[], bool] = lambda: False,
        cancelled: Callable[[], bool] = lambda: False,
    ):
        self.client, self.port, self.chunk = client, port, chunk
        self.events_waiting, self.cancelled = events_waiting, cancelled

    def run(self, progress: Callable[[int, int], None] | None = None) -> UploadReport:
        """Send every waiting image it can; stops early for waiting events, a cancel or a systemic failure."""
        report, started = UploadReport(), time.monotonic()
        try:
            for image in self.port.unsent_images():
                if self._should_stop(report):
                    break
                try:
                    self._send(image, report, progress)
                except NotYet:
                    report.waiting += 1
        except SyncError as exc:
            report.error = exc
        report.seconds = time.monotonic() - started
        return report

    def _should_stop(self, report: UploadReport) -> bool:
        if self.events_waiting():
            report.stopped_for_events = True
            return True
        return self.cancelled()

    def _send(self, image: PendingImage, report: UploadReport, progress: Callable[[int, int], None] | None) -> None:
        try:
            data = self.port.image_bytes(image.seq)  # checked against its chained hash
        except ValueError:
            report.damaged += 1  # swapped or damaged on this PC: never sent; the case page says so
            return
        state = self.client.image_state(image.sha256)
        offset, recorded = state.received, image.sent_bytes
        while not state.complete:
            if offset != recorded:
                self.port.record_sent(image.seq, offset)
                recorded = offset
            if self._should_stop(report):
                return
            chunk = data[offset : offset + self.chunk]
            try:
                state = self.client.put_image(image.sha256, offset, chunk, image.size)
            except Resume as resume:  # the county holds another length (a chunk it got but whose answer was lost)
                offset = resume.received
                continue
            report.bytes_sent += len(chunk)
            offset = state.received
            if progress is not None:
                progress(offset, image.size)
        self.port.record_sent(image.seq, image.size, done=True)
        report.images_done += 1
        report.done_seqs.append(image.seq)
