"""The frozen build: its size on disk, and cold start to the login window frozen against from source.

Run from the repository root after ``bash scripts/build``: ``.venv/bin/python -m bench.bundle_bench`` (about a
minute; ``--runs N`` per kind, default 7). Writes bench/out/bundle_bench-*.json and prints a table; figures in
docs/benchmarks.md ("Bundle").

Both programs are started the same way, ``suishenban --start-check`` (the login window exactly as the app opens
it, on a throw-away folder, closed as soon as it is shown), offscreen, in alternating order so that load on the
machine falls on both alike. Two kinds of start each: a fresh process with the files in the OS page cache (as
``bench.app_bench`` measures its cold start), and with every file the program may read dropped from the page
cache first (the bundle folder; for the source run the virtualenv, the standard library and the project).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from bench.timing import evict, machine

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "suishenban"
PROGRAM = BUNDLE / ("suishenban-cmd.exe" if sys.platform == "win32" else "suishenban")


def bundle_size(folder: Path) -> dict:
    """Bytes and files in the folder (symlinks counted as links), and the biggest parts."""
    groups: dict[str, int] = defaultdict(int)
    total = files = 0
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        total, files = total + size, files + 1
        parts = path.relative_to(folder).parts
        inner = parts[1:] if parts[0] == "_internal" else parts
        key = "/".join(inner[:2]) if inner[0] in ("PySide6", "resources") and len(inner) > 2 else inner[0]
        groups[key] += size
    biggest = sorted(groups.items(), key=lambda item: -item[1])[:12]
    return {
        "mb": round(total / 1e6, 1),
        "files": files,
        "biggest_mb": {name: round(size / 1e6, 1) for name, size in biggest},
    }


def _tarball() -> dict | None:
    found = sorted(BUNDLE.parent.glob("suishenban-*-linux-*.tar.gz"), key=lambda path: path.stat().st_mtime)
    return {"file": found[-1].name, "mb": round(found[-1].stat().st_size / 1e6, 1)} if found else None


def _files_under(*folders: Path) -> list[Path]:
    return [
        path
        for folder in folders
        if folder.exists()
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    ]


def _source_files() -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    project = [ROOT / name for name in ("desktop", "sync", "resources")]
    return _files_under(ROOT / ".venv", stdlib, *project) + [Path(sys.executable).resolve()]


def _start(command: list[str], drop: list[Path] | None) -> float:
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    if drop is not None:
        evict(*drop)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or "登录窗口已打开" not in done.stdout:
        raise RuntimeError(f"{command[0]} --start-check failed: {done.stdout}{done.stderr}")
    return elapsed


def cold_starts(runs: int) -> dict:
    """Median and fastest of ``runs`` starts per program and kind, frozen and source alternating."""
    kinds = {
        "frozen": ([str(PROGRAM), "--start-check"], _files_under(BUNDLE)),
        "source": ([sys.executable, "-m", "desktop", "--start-check"], _source_files()),
    }
    samples: dict[str, list[float]] = defaultdict(list)
    for name, (command, _files) in kinds.items():
        _start(command, None)  # one unmeasured start each, so the first measured one is not the first ever
    for _ in range(runs):
        for name, (command, files) in kinds.items():
            samples[f"{name}_cached"].append(_start(command, None))
            samples[f"{name}_dropped"].append(_start(command, files))
    return {
        key: {
            "runs": len(values),
            "median_ms": round(statistics.median(values) * 1000),
            "min_ms": round(min(values) * 1000),
            "max_ms": round(max(values) * 1000),
        }
        for key, values in samples.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="starts per program and kind (default 7)")
    args = parser.parse_args(argv)
    if not PROGRAM.exists():
        print(f"no bundle at {PROGRAM}: run `bash scripts/build` first")
        return 2
    result = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": machine(ROOT),
        "load_before": os.getloadavg(),
        "bundle": bundle_size(BUNDLE),
        "tarball": _tarball(),
        "cold_start": cold_starts(args.runs),
        "load_after": os.getloadavg(),
    }
    out = ROOT / "bench" / "out" / f"bundle_bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    bundle = result["bundle"]
    print(
        f"bundle: {bundle['mb']} MB, {bundle['files']} files"
        + (f"; tarball {result['tarball']['mb']} MB" if result["tarball"] else "")
    )
    for name, size in bundle["biggest_mb"].items():
        print(f"  {size:7.1f} MB  {name}")
    print(f"{'start to the login window':32} {'median':>8} {'fastest':>8} {'slowest':>8}")
    for key, figures in result["cold_start"].items():
        print(f"{key:32} {figures['median_ms']:6} ms {figures['min_ms']:5} ms {figures['max_ms']:5} ms")
    print(f"load average before / after: {result['load_before'][0]:.1f} / {result['load_after'][0]:.1f}; {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
