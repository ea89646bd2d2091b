"""The image store (影像存储): material images kept outside the database, in a folder, sealed at rest.

An upload grows ``partial/<device>/<sha256>.part`` chunk by chunk (each chunk written and flushed to disk
before it is acknowledged, so the length of the file is what the county has received, across restarts);
when it is whole and its SHA-256 is the one its ledger event names, it is sealed with the personal-data
keys (county/services/pii.py) into ``<sha[:2]>/<sha256>.img`` and the partial file is removed.
Files and folders are created readable by the owner only.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from county.services.pii import PiiBox


class OffsetMismatch(Exception):
    """A chunk that does not start where the received bytes end; ``received`` says where to resume."""

    def __init__(self, received: int):
        super().__init__(received)
        self.received = received


class HashMismatch(Exception):
    """The whole upload is not the image its event names; the partial file was discarded."""


class ImageFolder:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def _folder(self, path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path

    def partial(self, device_id: str, sha256: str) -> Path:
        return self.root / "partial" / device_id / f"{sha256}.part"

    def final(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.img"

    def has(self, sha256: str) -> bool:
        return self.final(sha256).exists()

    def received(self, device_id: str, sha256: str) -> int:
        try:
            return self.partial(device_id, sha256).stat().st_size
        except FileNotFoundError:
            return 0

    @contextmanager
    def _locked(self, device_id: str, sha256: str) -> Iterator[int]:
        path = self.partial(device_id, sha256)
        self._folder(path.parent)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # one writer per upload, whichever process took the request
            yield fd
        finally:
            os.close(fd)

    def append(self, device_id: str, sha256: str, offset: int, data: bytes) -> int:
        """Add a chunk at ``offset``; returns the bytes received. Raises OffsetMismatch if it does not fit."""
        with self._locked(device_id, sha256) as fd:
            size = os.fstat(fd).st_size
            if offset != size:
                raise OffsetMismatch(size)
            os.write(fd, data)
            os.fsync(fd)
            return size + len(data)

    def finish(self, device_id: str, sha256: str, box: PiiBox) -> None:
        """Verify the whole upload against ``sha256`` and keep it sealed; raises HashMismatch (partial dropped)."""
        path = self.partial(device_id, sha256)
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            path.unlink(missing_ok=True)
            raise HashMismatch(sha256)
        final = self.final(sha256)
        self._folder(final.parent)
        temp = final.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, box.seal_bytes(data, sha256))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, final)
        path.unlink(missing_ok=True)

    def read(self, sha256: str, box: PiiBox) -> bytes:
        """The image's bytes, opened and checked against their name (a swapped file is refused)."""
        data = box.open_bytes(self.final(sha256).read_bytes(), sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise HashMismatch(sha256)
        return data

    def remove(self, sha256: str) -> None:
        self.final(sha256).unlink(missing_ok=True)

    def drop_partial(self, device_id: str, sha256: str) -> None:
        self.partial(device_id, sha256).unlink(missing_ok=True)
