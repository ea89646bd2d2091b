"""The console's vendored browser assets are the files pinned in assets.txt, each with its licence beside it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from county.web.render import ECHARTS, HERE, HTMX

VENDOR = HERE / "static" / "vendor"


def test_each_vendored_file_matches_its_pinned_hash():
    pinned = [line.split() for line in (VENDOR / "assets.txt").read_text().splitlines() if line and line[0] != "#"]
    assert pinned
    for spec, file, sha in pinned:
        name, version = spec.rsplit("@", 1)
        local = VENDOR / f"{name}-{version}" / Path(file).name
        assert hashlib.sha256(local.read_bytes()).hexdigest() == sha, local
    folders = {f"{spec.rsplit('@', 1)[0]}-{spec.rsplit('@', 1)[1]}" for spec, _f, _s in pinned}
    assert all((VENDOR / folder / "LICENSE").exists() for folder in folders)
    assert HTMX in folders and ECHARTS in folders  # the versions the pages load are the ones pinned
    assert (VENDOR / ECHARTS / "NOTICE").exists()  # Apache-2.0: its NOTICE travels with it
