"""The image store (影像存储): material images kept outside the database, in a folder, sealed at rest.

An upload grows ``partial/<device>/<sha256>.part`` chunk by chunk, each chunk sealed on its own with the
personal-data keys (county/services/pii.py) and written as a record — its sealed length (4 bytes), then the
sealed bytes — flushed to disk before it is acknowledged; the records' plaintext lengths add up to what the
county has received, across restarts (a record torn by a crash is cut off and counts for nothing). When the
image is whole and its SHA-256 is the one its ledger event names, it is sealed as one and handed to the
sealed store (``SealedStore``): a folder (``<sha[:2]>/<sha256>.img`` under the same root, the default) or an
S3-compatible bucket (county/services/evidence_s3.py), the same sealed bytes either way; then the partial file is
removed. Partial uploads always stay in the local folder. Nothing of an image lies on disk (or in the bucket) in
clear, and files and folders are created readable by the owner only.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from county.services.pii import BYTES_PREFIX, PiiBox, PiiError

_LENGTH = 4
_OVERHEAD = len(BYTES_PREFIX) + 4 + 12 + 16  # a sealed chunk: prefix, key number, nonce, tag


class OffsetMismatch(Exception):
    """A chunk that does not start where the received bytes end; ``received`` says where to resume."""

    def __init__(self, received: int):
        super().__init__(received)
        self.received = received


class HashMismatch(Exception):
    """The whole upload is not the image its event names; the partial file was discarded."""


class StoreUnavailable(OSError):
    """The sealed store could not be reached or refused the call (a bucket down, wrong credentials)."""


class SealedStore(Protocol):
    """Where whole images are kept, sealed: the bytes handed to ``put`` are the bytes ``get`` gives back.
    ``get`` of a missing image raises FileNotFoundError; ``delete`` of a missing one does nothing; a store
    that cannot be reached raises StoreUnavailable."""

    def has(self, sha256: str) -> bool: ...

    def put(self, sha256: str, sealed: bytes) -> None: ...

    def get(self, sha256: str) -> bytes: ...

    def delete(self, sha256: str) -> None: ...


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


class FolderStore:
    """Sealed images as files ``<sha[:2]>/<sha256>.img`` under a folder."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def final(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.img"

    def has(self, sha256: str) -> bool:
        return self.final(sha256).exists()

    def put(self, sha256: str, sealed: bytes) -> None:
        final = self.final(sha256)
        _folder(final.parent)
        temp = final.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, sealed)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, final)

    def get(self, sha256: str) -> bytes:
        return self.final(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        self.final(sha256).unlink(missing_ok=True)


class ImageStore:
    """Partial uploads in a local folder; whole images in ``sealed`` (by default a folder under the same root)."""

    def __init__(self, root: Path | str, sealed: SealedStore | None = None):
        self.root = Path(root)
        self.sealed: SealedStore = sealed if sealed is not None else FolderStore(self.root)

    def _folder(self, path: Path) -> Path:
        return _folder(path)

    def partial(self, device_id: str, sha256: str) -> Path:
        return self.root / "partial" / device_id / f"{sha256}.part"

    def has(self, sha256: str) -> bool:
        return self.sealed.has(sha256)

    def received(self, device_id: str, sha256: str) -> int:
        try:
            with open(self.partial(device_id, sha256), "rb") as fh:
                return _walk(fh.read())[0]
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

    def append(self, device_id: str, sha256: str, offset: int, data: bytes, box: PiiBox) -> int:
        """Add a chunk at ``offset``, sealed; returns the bytes received. Raises OffsetMismatch if it does not fit."""
        with self._locked(device_id, sha256) as fd:
            received, whole = _walk(_read_all(fd))
            if whole < os.fstat(fd).st_size:
                os.ftruncate(fd, whole)  # a record torn by a crash: it was never acknowledged
            if offset != received:
                raise OffsetMismatch(received)
            sealed = box.seal_bytes(data, f"{sha256}:{offset}")
            os.write(fd, len(sealed).to_bytes(_LENGTH, "big") + sealed)
            os.fsync(fd)
            return received + len(data)

    def finish(self, device_id: str, sha256: str, box: PiiBox) -> None:
        """Verify the whole upload against ``sha256`` and keep it sealed; raises HashMismatch (partial dropped)."""
        path = self.partial(device_id, sha256)
        try:
            data = _open_records(path.read_bytes(), sha256, box)
        except PiiError:
            data = b""  # a record that does not open (changed on disk): as wrong as a wrong hash
        if hashlib.sha256(data).hexdigest() != sha256:
            path.unlink(missing_ok=True)
            raise HashMismatch(sha256)
        self.sealed.put(sha256, box.seal_bytes(data, sha256))  # the partial stays until the store has it
        path.unlink(missing_ok=True)

    def put_whole(self, device_id: str, sha256: str, data: bytes, box: PiiBox) -> None:
        """Keep a whole image that came in one piece (a sync file); any partial upload of it is dropped."""
        if hashlib.sha256(data).hexdigest() != sha256:
            raise HashMismatch(sha256)
        self.sealed.put(sha256, box.seal_bytes(data, sha256))
        self.drop_partial(device_id, sha256)

    def read(self, sha256: str, box: PiiBox) -> bytes:
        """The image's bytes, opened and checked against their name (a swapped file is refused)."""
        data = box.open_bytes(self.sealed.get(sha256), sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise HashMismatch(sha256)
        return data

    def remove(self, sha256: str) -> None:
        self.sealed.delete(sha256)

    def drop_partial(self, device_id: str, sha256: str) -> None:
        self.partial(device_id, sha256).unlink(missing_ok=True)


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    parts = []
    while chunk := os.read(fd, 1 << 20):
        parts.append(chunk)
    return b"".join(parts)


def _walk(raw: bytes) -> tuple[int, int]:
    """(plaintext bytes, file bytes) of the whole records at the start of a partial file."""
    at = plain = 0
    while at + _LENGTH <= len(raw):
        size = int.from_bytes(raw[at : at + _LENGTH], "big")
        if size < _OVERHEAD or at + _LENGTH + size > len(raw):
            break
        at += _LENGTH + size
        plain += size - _OVERHEAD
    return plain, at


def _open_records(raw: bytes, sha256: str, box: PiiBox) -> bytes:
    """The plaintext of a partial file's whole records, each opened with the offset it was sealed for."""
    out, at, plain = [], 0, 0
    _received, whole = _walk(raw)
    while at < whole:
        size = int.from_bytes(raw[at : at + _LENGTH], "big")
        chunk = box.open_bytes(raw[at + _LENGTH : at + _LENGTH + size], f"{sha256}:{plain}")
        out.append(chunk)
        at, plain = at + _LENGTH + size, plain + len(chunk)
    return b"".join(out)
