"""A full disk at open (issue: it once moved a healthy ledger aside and restored an older backup).

Each test runs the real store in a child process on a disk that is really full: a 4 MB tmpfs mounted in
a private mount namespace (``unshare``), or a file-size cap (RLIMIT_FSIZE) where that is not possible.
The open must be refused with a plain message saying how much to free, with nothing moved; once space
is back the same ledger opens with every saved case and no restore.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="tmpfs and RLIMIT_FSIZE are POSIX")


def _can_mount_tmpfs(where: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-Urm", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs '{where}'"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    return probe.returncode == 0


def _run(command: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_refused_then_whole(result: dict, kind: str) -> None:
    full, freed = result["full"], result["freed"]
    assert full["refused"] == kind, full
    assert full["untouched"], "nothing may be moved or restored while the disk is full"
    assert "没有任何改动" in full["message"] and "再打开" in full["message"]
    assert freed["refused"] is None and freed["recovery"] is None
    assert freed["receipts"] == result["saved"] and len(set(freed["receipts"])) == 16


def test_a_full_tmpfs_refuses_the_open_says_how_much_to_free_and_moves_nothing(tmp_path):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if not _can_mount_tmpfs(mount):
        pytest.skip("cannot mount a tmpfs in a private namespace here")
    child = f"{sys.executable} -m tests.desktop.store.full_disk_child tmpfs '{mount}'"
    result = _run(["unshare", "-Urm", "sh", "-c", f"mount -t tmpfs -o size=4m tmpfs '{mount}' && {child}"])
    _assert_refused_then_whole(result, "full")
    assert "磁盘已满" in result["full"]["message"] and "至少腾出" in result["full"]["message"]


def test_a_file_size_cap_refuses_the_open_and_moves_nothing(tmp_path):
    result = _run([sys.executable, "-m", "tests.desktop.store.full_disk_child", "rlimit", str(tmp_path)])
    # SQLite reports a refused write past the cap as an I/O error: also "cannot open now", never damage
    assert result["full"]["refused"] in ("full", "io")
    _assert_refused_then_whole(result, result["full"]["refused"])
