"""Where a save's time goes: cProfile over a save loop, own time grouped by layer (ORM, driver, chain, store).

Run from the repository root:  .venv/bin/python -m bench.profile_save [--saves 500]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import shutil
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from sync.ledger.catalogue import load_catalogue

from bench.store_bench import OUT
from bench.store_phases import new_store, prepared_drafts, save_loop

# Own-time buckets, matched in order against (file, function) of each profiled function.
BUCKETS = (
    ("SQLite commit (WAL write + fsync)", lambda f, fn: "commit" in fn and "sqlcipher3" in fn),
    ("SQLite statement execution", lambda f, fn: "sqlcipher3" in fn or "Cursor" in fn),
    ("SQLAlchemy (statement build, cache key, compile, result)", lambda f, fn: "sqlalchemy" in f),
    ("hash chain and canonical JSON (sync.ledger)", lambda f, fn: "/sync/ledger/" in f),
    ("store code (desktop.store)", lambda f, fn: "/desktop/store/" in f),
    ("Python stdlib (json, uuid, hashlib, datetime …)", lambda f, fn: True),
)


def attribute(stats: pstats.Stats) -> dict[str, float]:
    """Own time per bucket, as a share of the total own time."""
    spent: dict[str, float] = defaultdict(float)
    for (file, _line, func), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for name, match in BUCKETS:
            if match(file, func):
                spent[name] += own
                break
    total = sum(spent.values())
    return {name: spent[name] / total for name, _ in BUCKETS}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_save", description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="profile-save-"))
    try:
        store, _ = new_store(workdir / "store")
        drafts, _ = prepared_drafts(load_catalogue(), random.Random(args.seed), args.saves + 20)
        save_loop(store, drafts[:20], 20)
        start = time.perf_counter()
        plain = save_loop(store, drafts[20 : 20 + args.saves // 2], 0)
        unprofiled_ms = (time.perf_counter() - start) * 1000 / len(plain)
        profiler = cProfile.Profile()
        profiler.enable()
        save_loop(store, drafts[20 + args.saves // 2 :], 0)
        profiler.disable()
        store.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    shares = attribute(pstats.Stats(profiler))
    print(f"mean save without the profiler: {unprofiled_ms:.2f} ms; own time under cProfile, by layer:")
    for name, share in shares.items():
        print(f"  {share * 100:5.1f} %  {name}")
    OUT.mkdir(exist_ok=True)
    out = OUT / f"profile_save-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"mean_save_ms": unprofiled_ms, "shares": shares}, indent=1, ensure_ascii=False))
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
