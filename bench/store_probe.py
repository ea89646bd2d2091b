"""Probes a large ledger kept by store_bench (--keep): why saves slow down as it grows, and projection rebuild time.

Run from the repository root:  .venv/bin/python -m bench.store_probe DIR/big [--saves 300] [--rebuild]
It changes pragmas only on its own connections (never the store's code) and appends cases to the ledger.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.store_bench import OUT
from bench.store_phases import PASSWORD, prepared_drafts, save_loop
from bench.timing import median_of, summary, timed
from desktop.store.keys import unlock
from desktop.store.opening import open_store
from sync.ledger.catalogue import load_catalogue

FRAME_HEADER = 24  # bytes before each page in a WAL frame


def _variant(folder: Path, drafts: list, pragmas: dict[str, Any], warmup: int) -> dict[str, Any]:
    """A save loop with extra pragmas on every connection, autocheckpoint off, counting WAL frames per save."""
    store, _ = open_store(folder, unlocked=unlock(folder / "keyring.json", PASSWORD))
    store.engine.dispose()  # new connections pick up the listener below

    @event.listens_for(store.engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        for name, value in {**pragmas, "wal_autocheckpoint": 0}.items():
            dbapi_conn.execute(f"PRAGMA {name} = {value}")

    wal = Path(f"{store.layout.database}-wal")
    try:
        with store.engine.connect() as conn:
            page = int(conn.exec_driver_sql("PRAGMA page_size").scalar_one())
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        save_loop(store, drafts[:warmup], warmup)
        before = wal.stat().st_size
        samples = save_loop(store, drafts[warmup:], 0)
        frames = (wal.stat().st_size - before) / (page + FRAME_HEADER) / len(samples)
        with store.engine.connect() as conn:
            checkpoint_ms, _ = timed(lambda: conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").all())
    finally:
        store.close()
    return {
        "pragmas": pragmas,
        **summary(samples),
        "wal_frames_per_save": frames,
        "checkpoint_ms_per_save": checkpoint_ms / len(samples),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store_probe", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the store folder, e.g. DIR/big from store_bench --keep DIR")
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the two variants, alternating")
    parser.add_argument("--rebuild", action="store_true", help="also time store.rebuild_projections()")
    args = parser.parse_args()
    catalogue, rng = load_catalogue(), random.Random(7)
    result: dict[str, Any] = {"folder": str(args.folder), "variants": []}
    for _round in range(args.rounds):  # alternate, so a noisy minute hits both variants alike
        for pragmas in ({}, {"cache_size": -65536}):
            drafts, _ = prepared_drafts(catalogue, rng, args.warmup + args.saves)
            found = _variant(args.folder, drafts, pragmas, args.warmup)
            result["variants"].append(found)
            print(
                f"pragmas {pragmas or 'as the store sets them'}: p50 {found['p50']:.2f} p95 {found['p95']:.2f} ms, "
                f"{found['wal_frames_per_save']:.1f} WAL pages per save, "
                f"checkpoint {found['checkpoint_ms_per_save']:.2f} ms per save"
            )
    for label in ("{}", str({"cache_size": -65536})):
        runs = [
            {k: x for k, x in v.items() if k != "pragmas"} for v in result["variants"] if str(v["pragmas"]) == label
        ]
        print(
            f"median over {len(runs)} runs, pragmas {label}: "
            + ", ".join(f"{k} {v:.2f}" for k, v in median_of(runs).items())
        )
    if args.rebuild:
        store, _ = open_store(args.folder, unlocked=unlock(args.folder / "keyring.json", PASSWORD))
        try:
            result["rebuild_ms"], count = timed(store.rebuild_projections)
        finally:
            store.close()
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
        print(
            f"rebuild_projections: {count:,} events in {result['rebuild_ms'] / 1000:.1f} s; "
            f"peak RSS of this process {result['peak_rss_mb']:.0f} MB"
        )
    OUT.mkdir(exist_ok=True)
    out = OUT / f"store_probe-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
