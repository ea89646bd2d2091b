"""What the head mark costs a save: alternating rounds of saves with the mark written and with it skipped.

Run from the repository root:  .venv/bin/python -m bench.store_mark [--rounds 10] [--saves 100]

One real store on disk; each round saves ``--saves`` cases either as the store does (commit, then the
head mark written in place and flushed) or with the mark write skipped, the two kinds alternating so
that both see the same disk at the same moments on a busy machine. Then the same for the atomic
rename-and-fsync write the mark first used (``files.atomic_write_bytes``), for comparison.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
from pathlib import Path

from bench.store_phases import new_store, prepared_drafts, save_loop
from bench.timing import summary
from desktop.store.files import atomic_write_bytes
from sync.ledger.catalogue import load_catalogue


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--saves", type=int, default=100)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="store-mark-", dir="/var/tmp" if Path("/var/tmp").is_dir() else None))
    try:
        store, _ = new_store(folder / "data")
        drafts, _ = prepared_drafts(load_catalogue(), random.Random(7), args.rounds * args.saves * 3 + 20)
        save_loop(store, drafts[:20], 20)  # warm up
        real = store.write_mark
        kinds = {
            "mark in place (as shipped)": real,
            "no mark": lambda: None,
            "mark by atomic rename": lambda: atomic_write_bytes(
                store.layout.folder / "ledger.head.alt", store.mark.to_bytes()
            ),
        }
        samples: dict[str, list[float]] = {name: [] for name in kinds}
        at = 20
        for _round in range(args.rounds):
            for name, write in kinds.items():
                store.write_mark = write
                samples[name] += save_loop(store, drafts[at : at + args.saves], 0)
                at += args.saves
        store.write_mark = real
        store.close()
        for name, values in samples.items():
            s = summary(values)
            print(
                f"{name:30} p50 {s['p50']:6.2f}  p95 {s['p95']:6.2f}  mean {statistics.fmean(values):6.2f} ms"
                f"  ({len(values)} saves)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
