"""Benchmark of the counter's local store: save a case, and size, open and check a ledger of 200,000 cases.

Run from the repository root with the project's virtualenv:  .venv/bin/python -m bench.store_bench
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.store_phases import big_phase, save_phase
from bench.timing import machine, source_version
from bench.timing import workdir as workdir_for
from desktop.store.keys import DEFAULT_COST
from sync.ledger.catalogue import load_catalogue

OUT = Path(__file__).resolve().parent / "out"
SAVE_BAR_MS = 20.0  # PRODUCT.md: saving a case ≤ 20 ms p95
OPEN_BAR_MS = 300.0  # PRODUCT.md: a ledger of 200,000 cases opens ≤ 300 ms (the ledger screen's bar)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.store_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000, help="cases in the large ledger (0 skips it)")
    parser.add_argument("--days", type=int, default=300, help="business days the large ledger spans")
    parser.add_argument("--batch", type=int, default=300, help="drafts per append while generating")
    parser.add_argument("--saves", type=int, default=500, help="timed saves per run")
    parser.add_argument("--warmup", type=int, default=20, help="untimed saves before each save loop")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fast parts; medians are reported")
    parser.add_argument("--opens", type=int, default=5, help="opens per kind (warm/cold × password/unlocked)")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--keep", type=Path, help="work in this (new or empty) folder and keep the files")
    return parser.parse_args(argv)


def _row(label: str, value: str, bar: str = "", verdict: str = "") -> str:
    return f"  {label:<46} {value:<34} {bar:<16} {verdict}"


def _pct(s: dict[str, float]) -> str:
    return f"p50 {s['p50']:6.2f}  p95 {s['p95']:6.2f}  max {s['max']:6.1f} ms"


def _ok(value: float, bar: float) -> str:
    return "meets" if value <= bar else "MISSES"


def report(result: dict[str, Any]) -> str:
    lines = [
        f"Store benchmark {result['started_at']}, store code {result['machine']['source']} "
        f"({result['machine']['cpu']}, "
        f"{result['machine']['cores']} cores, Python {result['machine']['python']}, "
        f"{result['machine']['sqlcipher']})"
    ]
    save = result["save"]
    s, plain, cipher = save["save"]["median"], save["plain"]["median"], save["cipher"]["median"]
    lines += [
        f"Save a case — medians of {result['args']['repeat']} runs × {result['args']['saves']} saves",
        _row("store.append(draft), 1 txn, FULL fsync", _pct(s), "≤ 20 ms p95", _ok(s["p95"], SAVE_BAR_MS)),
        _row("draft_case (build + validate)", _pct(save["draft"]["median"])),
        _row("baseline: plain sqlite3, WAL+FULL, same rows", _pct(plain)),
        _row("baseline: raw SQLCipher insert, same rows", _pct(cipher)),
        _row("ratio to plain sqlite3 (p50 / p95)", f"×{s['p50'] / plain['p50']:.2f} / ×{s['p95'] / plain['p95']:.2f}"),
        _row("create_store (2 × Argon2id, schema)", f"{save['create_store_ms']:.0f} ms"),
    ]
    big = result.get("big")
    if big:
        gen, size = big["generation"], big["size_open"]
        cases = gen["cases"]
        total_mb = (size["db"] + size["wal"]) / 1e6
        lines += [
            f"Ledger of {cases:,} cases ({gen['events']:,} events over {gen['days']} days)",
            _row("generation (batched appends)", f"{gen['seconds']:.0f} s, {gen['events_per_s']:,.0f} events/s"),
            _row(
                "size on disk: db + wal (open)",
                f"{size['db'] / 1e6:.1f} + {size['wal'] / 1e6:.1f} MB = {total_mb / cases * 1000:.2f} MB per 1,000",
            ),
            _row("one backup copy (VACUUM INTO)", f"{big['backup_bytes'] / 1e6:.1f} MB"),
            _row("Argon2id unlock alone (real cost)", f"{big['unlock_ms']:.0f} ms"),
        ]
        for kind, runs in big["open"].items():
            m = runs["median"]
            lines.append(
                _row(
                    f"open_store, {kind.replace('_', ', ')}",
                    f"{m['total']:.0f} ms "
                    f"(full file check in {sum(r['full_check'] for r in runs['runs']):.0f}/{len(runs['runs'])})",
                    "≤ 300 ms (screen)",
                    _ok(m["total"], OPEN_BAR_MS),
                )
            )
        for kind in ("warm_unlocked_clean", "cold_unlocked_clean", "cold_unlocked_crash"):
            m = big["open"][kind]["median"]
            skip = ("total", "unlock_argon2id", "full_check")
            parts = ", ".join(f"{k} {v:.0f}" for k, v in m.items() if k not in skip)
            lines.append(_row(f"  {kind.replace('_', ' ')} open, by step (ms)", parts))
        lines += [
            _row(
                "store.verify() whole chain",
                f"{big['verify_ms']['median'] / 1000:.2f} s "
                f"({big['verify_ms']['median'] * 1000 / gen['events']:.0f} µs/event)",
            ),
            _row("PRAGMA quick_check", f"{big['quick_check_ms']['median']:.0f} ms"),
            _row("first backup (copy, checks, verify from seq 0)", f"{big['backup_ms'] / 1000:.2f} s"),
            _row(
                f"save a case on the {cases:,}-case ledger",
                _pct(big["save_on_big"]),
                "≤ 20 ms p95",
                _ok(big["save_on_big"]["p95"], SAVE_BAR_MS),
            ),
            _row(
                f"next backup ({result['args']['saves'] + result['args']['warmup']} events later)",
                f"{big['backup_day_ms'] / 1000:.2f} s",
            ),
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir, remove = workdir_for(args.keep, "store-bench-")
    info = {**machine(workdir), "source": source_version(Path(__file__).resolve().parent.parent)}
    if info["workdir_fs"].startswith("tmpfs"):
        print(f"warning: {workdir} is on tmpfs, where fsync costs nothing; use --keep on a real disk", file=sys.stderr)
    result: dict[str, Any] = {
        "started_at": datetime.now().isoformat(timespec="seconds"),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "argon2id_cost": dict(DEFAULT_COST),
        "workdir": str(workdir),
        "machine": info,
    }
    catalogue, rng = load_catalogue(), random.Random(args.seed)
    try:
        print(f"saving cases in {workdir} …", file=sys.stderr)
        result["save"] = save_phase(workdir, catalogue, rng, args)
        if args.cases:
            print(f"building a ledger of {args.cases:,} cases …", file=sys.stderr)
            result["big"] = big_phase(workdir, catalogue, rng, args)
    finally:
        if remove:
            shutil.rmtree(workdir, ignore_errors=True)
    OUT.mkdir(exist_ok=True)
    out = OUT / f"store_bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    print(report(result))
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
