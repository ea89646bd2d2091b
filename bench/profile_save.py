"""Where a save's time goes: own time by layer under cProfile, and the durable flush measured without it.

Run from the repository root:  .venv/bin/python -m bench.profile_save [--saves 500]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import shutil
import statistics
import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.store_bench import OUT
from bench.store_phases import new_store, prepared_drafts, save_loop
from desktop.store.ledger import LedgerStore
from sync.ledger.catalogue import load_catalogue

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


def _mean_save_ms(store: LedgerStore, drafts: list, synchronous: str) -> float:
    """Mean save time with ``synchronous`` set on fresh pooled connections (the store sets FULL itself)."""

    def pragma(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA synchronous = {synchronous}")

    store.engine.dispose()
    event.listen(store.engine, "connect", pragma)
    try:
        samples = save_loop(store, drafts, 0)
    finally:
        event.remove(store.engine, "connect", pragma)
        store.engine.dispose()
    return statistics.fmean(samples)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_save", description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of FULL and OFF, 100 saves each")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="profile-save-"))
    catalogue, rng = load_catalogue(), random.Random(args.seed)
    split: dict[str, list[float]] = {"FULL": [], "OFF": []}
    try:
        store, _ = new_store(workdir / "store")
        drafts, _ = prepared_drafts(catalogue, rng, args.saves + 20)
        save_loop(store, drafts[:20], 20)
        unprofiled_ms = statistics.fmean(save_loop(store, drafts[20 : 20 + args.saves // 2], 0))
        profiler = cProfile.Profile()
        profiler.enable()
        save_loop(store, drafts[20 + args.saves // 2 :], 0)
        profiler.disable()
        for _round in range(args.rounds):  # alternate, so a busy minute on the disk hits both alike
            for mode in split:
                split[mode].append(_mean_save_ms(store, prepared_drafts(catalogue, rng, 100)[0], mode))
        store.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    shares = attribute(pstats.Stats(profiler))
    full, off = (statistics.median(split[mode]) for mode in ("FULL", "OFF"))
    print(f"mean save without the profiler: {unprofiled_ms:.2f} ms; own time under cProfile, by layer:")
    for name, share in shares.items():
        print(f"  {share * 100:5.1f} %  {name}")
    print(
        f"without the profiler, median of {args.rounds} rounds: synchronous=FULL {full:.2f} ms, "
        f"OFF {off:.2f} ms — the durable flush is {full - off:.2f} ms, the rest ({off:.2f} ms) is CPU"
    )
    OUT.mkdir(exist_ok=True)
    out = OUT / f"profile_save-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {"mean_save_ms": unprofiled_ms, "shares": shares, "synchronous_split_ms": split},
            indent=1,
            ensure_ascii=False,
        )
    )
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
