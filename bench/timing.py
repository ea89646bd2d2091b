"""Timing helpers for the benchmarks: percentiles, step timers, page-cache eviction and a machine description."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any


def ms(ns: int | float) -> float:
    return ns / 1e6


def summary(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95 and max of one run's samples (inclusive quantiles), in milliseconds."""
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"n": len(samples_ms), "p50": cuts[49], "p95": cuts[94], "max": max(samples_ms)}


def median_of(runs: Sequence[dict[str, float]]) -> dict[str, float]:
    """Field-by-field median of several runs' summaries."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(milliseconds, result) of one call."""
    start = time.perf_counter_ns()
    result = fn()
    return ms(time.perf_counter_ns() - start), result


class StepTimer:
    """Wraps named functions in a module so each call's time is recorded under its name."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.results: dict[str, Any] = {}

    @contextmanager
    def wrapping(self, module: Any, names: Sequence[str]) -> Iterator[StepTimer]:
        """Wrap those of ``names`` the module has (the store's steps change as it evolves)."""
        originals = {name: getattr(module, name) for name in names if hasattr(module, name)}
        for name, original in originals.items():
            setattr(module, name, self._wrap(name, original))
        try:
            yield self
        finally:
            for name, original in originals.items():
                setattr(module, name, original)

    def _wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter_ns()
            try:
                self.results[name] = fn(*args, **kwargs)
                return self.results[name]
            finally:
                self.spent[name] += ms(time.perf_counter_ns() - start)

        return timed_call


def evict(*paths: Path) -> None:
    """Drop the files' pages from the OS page cache (needs no root; a host-side cache may still hold them)."""
    for path in paths:
        if not path.exists() or not hasattr(os, "posix_fadvise"):
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def warm(*paths: Path) -> None:
    """Read the files once so their pages are in the OS page cache."""
    for path in paths:
        if path.exists():
            with open(path, "rb") as fh:
                while fh.read(1 << 20):
                    pass


def file_sizes(folder: Path) -> dict[str, int]:
    names = {"db": "ledger.db", "wal": "ledger.db-wal", "shm": "ledger.db-shm"}
    return {key: (folder / name).stat().st_size if (folder / name).exists() else 0 for key, name in names.items()}


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores so far, from /proc/stat ((0, 0) where there is none).

    Two readings give the share of the machine that was busy in between, whoever was busy: a rate that
    stays below what the CPU per event allows while the machine sits partly idle waits on something else.
    """
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float | None:
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total > 0 else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _filesystem(path: Path) -> str:
    """The mount type holding ``path`` (from /proc/mounts), e.g. ext4 or tmpfs."""
    best, kind = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            device, mount, fstype = line.split()[:3]
            if str(path.resolve()).startswith(mount) and len(mount) > len(best):
                best, kind = mount, f"{fstype} on {device}"
    except OSError:
        pass
    return kind


def source_version(root: Path) -> str:
    """The commit the store code comes from, marked dirty if desktop/store or sync/ledger differ from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "desktop/store", "sync/ledger")
    except OSError:
        return "unknown"
    return f"{commit}{' (store code modified)' if dirty else ''}" if commit else "unknown"


def machine(workdir: Path) -> dict[str, Any]:
    import sqlalchemy
    import sqlcipher3.dbapi2 as sqlcipher

    conn = sqlcipher.connect(":memory:")
    try:
        cipher_sqlite = conn.execute("SELECT sqlite_version()").fetchone()[0]
        cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
    finally:
        conn.close()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": _ram_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite_stdlib": sqlite3.sqlite_version,
        "sqlcipher": f"{cipher} (SQLite {cipher_sqlite})",
        "sqlalchemy": sqlalchemy.__version__,
        "workdir_fs": _filesystem(workdir),
    }


def workdir(keep: Path | None, prefix: str) -> tuple[Path, bool]:
    """The benchmark's folder: ``keep`` (new or empty, kept afterwards) or a new temporary one (to remove)."""
    if keep:
        if keep.exists() and any(keep.iterdir()):
            sys.exit(f"--keep {keep}: the folder must be new or empty")
        keep.mkdir(parents=True, exist_ok=True)
        return keep.resolve(), False
    return Path(tempfile.mkdtemp(prefix=prefix)), True
