"""The store benchmark's phases: saving cases, building a large ledger, and opening and checking it."""

from __future__ import annotations

import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

import desktop.store.opening as opening
from bench.baseline import plain_sqlite_saves, sqlcipher_saves
from bench.timing import StepTimer, evict, file_sizes, median_of, ms, summary, timed, warm
from bench.workload import business_days, case_form, chunks, history
from desktop.store.engine import connect_raw
from desktop.store.keys import Unlocked, unlock
from desktop.store.layout import StoreLayout
from desktop.store.ledger import Identity, LedgerStore
from desktop.store.opening import create_store, open_store
from sync.ledger.catalogue import Catalogue
from sync.ledger.events import EventDraft, china_now, new_id
from sync.ledger.forms import draft_case

PASSWORD = "fuliang2026"
OPEN_STEPS = ("unlock", "check_health", "connect_raw", "_bind", "_verify_since_checkpoint", "migrate", "mark_open")
# (cache, key, shutdown before the open): "crash" leaves the store without close(), as a killed app does.
OPEN_KINDS = (
    ("warm", "password", "clean"),
    ("warm", "unlocked", "clean"),
    ("cold", "password", "clean"),
    ("cold", "unlocked", "clean"),
    ("warm", "unlocked", "crash"),
    ("cold", "unlocked", "crash"),
)


def new_store(folder: Path) -> tuple[LedgerStore, float]:
    identity = Identity(new_id(), "0427", 1, "瑶里村代办点（基准测试）")
    spent, (store, _code) = timed(lambda: create_store(folder, PASSWORD, identity))
    return store, spent


def prepared_drafts(catalogue: Catalogue, rng: random.Random, count: int) -> tuple[list[EventDraft], list[float]]:
    """Forms filled in beforehand, then each turned into a draft (build + validate) and timed."""
    forms = [case_form(catalogue, rng) for _ in range(count)]
    drafts, spent = [], []
    for form in forms:
        start = time.perf_counter_ns()
        drafts.append(draft_case(form, catalogue))
        spent.append(ms(time.perf_counter_ns() - start))
    return drafts, spent


def save_loop(store: LedgerStore, drafts: list[EventDraft], warmup: int) -> list[float]:
    """One store.append per case, as the save button does; the first ``warmup`` saves are not counted."""
    samples = []
    for n, draft in enumerate(drafts):
        start = time.perf_counter_ns()
        store.append(draft)
        if n >= warmup:
            samples.append(ms(time.perf_counter_ns() - start))
    return samples


def save_phase(workdir: Path, catalogue: Catalogue, rng: random.Random, args: Any) -> dict[str, Any]:
    """Per run, on fresh files: our save, then the two raw baselines with the very same drafts."""
    runs: dict[str, list[dict[str, float]]] = {"draft": [], "save": [], "plain": [], "cipher": []}
    created = []
    for run in range(args.repeat):
        drafts, draft_ms = prepared_drafts(catalogue, rng, args.warmup + args.saves)
        store, create_ms = new_store(workdir / f"save-{run}")
        created.append(create_ms)
        try:
            ours = save_loop(store, drafts, args.warmup)
        finally:
            store.close()
        plain = plain_sqlite_saves(workdir / f"plain-{run}.db", drafts, args.warmup)
        cipher = sqlcipher_saves(workdir / f"cipher-{run}.db", f"\"x'{os.urandom(32).hex()}'\"", drafts, args.warmup)
        for name, samples in (("draft", draft_ms[args.warmup :]), ("save", ours), ("plain", plain), ("cipher", cipher)):
            runs[name].append(summary(samples))
    result = {name: {"median": median_of(values), "runs": values} for name, values in runs.items()}
    result["create_store_ms"] = statistics.median(created)
    return result


def generate(store: LedgerStore, catalogue: Catalogue, rng: random.Random, args: Any) -> dict[str, Any]:
    """Fill the store with ``args.cases`` cases over ``args.days`` business days, a batch per append."""
    days = business_days(china_now().date(), args.days)
    events = appends = 0
    start = time.perf_counter()
    for day_drafts in history(catalogue, args.cases, days, rng):
        for batch in chunks(day_drafts, args.batch):
            store.append(*batch)
            events += len(batch)
            appends += 1
    seconds = time.perf_counter() - start
    return {
        "cases": args.cases,
        "events": events,
        "appends": appends,
        "days": len(days),
        "first_day": days[0].isoformat(),
        "last_day": days[-1].isoformat(),
        "seconds": seconds,
        "events_per_s": events / seconds,
    }


def _one_open(folder: Path, unlocked: Unlocked, cold: bool, with_password: bool, crash: bool) -> dict[str, float]:
    """One timed open_store; before it, optionally an open left without close() and the page cache dropped."""
    layout = StoreLayout(folder)
    if crash:
        store, _ = open_store(folder, unlocked=unlocked)
        store.engine.dispose()  # no close(): the next open sees an unclean shutdown
    files = (layout.database, *layout.sidecars(), layout.keyring)
    if cold:
        evict(*files)
    else:
        warm(*files)
    steps = StepTimer()
    with steps.wrapping(opening, OPEN_STEPS):
        total, (store, report) = timed(
            lambda: open_store(
                folder, PASSWORD if with_password else None, unlocked=None if with_password else unlocked
            )
        )
    store.close()
    if report.recovery is not None or report.migrated:
        raise RuntimeError(f"open did more than open: {report}")
    spent, full = steps.spent, steps.results.get("check_health")
    out = {
        "total": total,
        "unlock_argon2id": spent["unlock"],
        "health_connect": spent["connect_raw"],
        "health_check": spent["check_health"] - spent["connect_raw"],
        "full_check": float(full[0] if isinstance(full, tuple) else full if isinstance(full, bool) else True),
        "bind_first_connection": spent["_bind"],
        "verify_since_checkpoint": spent["_verify_since_checkpoint"],
        "migrate_check": spent["migrate"],
        "mark_open": spent["mark_open"],
    }
    out["other"] = total - sum(v for k, v in out.items() if k not in ("total", "full_check"))
    return out


def open_phase(folder: Path, unlocked: Unlocked, args: Any) -> dict[str, Any]:
    """Each kind of open several times; the store is closed (engine disposed) between opens."""
    store, _ = open_store(folder, unlocked=unlocked)  # the first open after a build may differ: not counted
    store.close()
    result = {}
    for cache, key, shutdown in OPEN_KINDS:
        samples = [
            _one_open(folder, unlocked, cache == "cold", key == "password", shutdown == "crash")
            for _ in range(args.opens)
        ]
        result[f"{cache}_{key}_{shutdown}"] = {"median": median_of(samples), "runs": samples}
    return result


def quick_check(db: Path, key: str) -> float:
    conn = connect_raw(db, key)
    try:
        spent, rows = timed(lambda: conn.execute("PRAGMA quick_check").fetchall())
    finally:
        conn.close()
    assert [r[0] for r in rows] == ["ok"], rows
    return spent


def big_phase(workdir: Path, catalogue: Catalogue, rng: random.Random, args: Any) -> dict[str, Any]:
    """Build the large ledger, then measure its size, its opens, its checks and a save loop on it."""
    folder = workdir / "big"
    store, _ = new_store(folder)
    unlocked = store._unlocked
    out: dict[str, Any] = {"generation": generate(store, catalogue, rng, args)}
    out["size_open"] = file_sizes(folder)
    out["backup_ms"], _ = timed(lambda: store.backup("bench"))  # the first: whole chain, sets the checkpoint
    store.close()
    out["size_closed"] = file_sizes(folder)
    out["backup_bytes"] = sum(p.stat().st_size for p in (folder / "backups").iterdir())
    out["unlock_ms"] = statistics.median(
        timed(lambda: unlock(folder / "keyring.json", PASSWORD))[0] for _ in range(args.repeat)
    )
    out["open"] = open_phase(folder, unlocked, args)
    store, _report = open_store(folder, unlocked=unlocked)
    try:
        verify_ms = [timed(store.verify)[0] for _ in range(args.repeat)]
        out["verify_ms"] = {"median": statistics.median(verify_ms), "runs": verify_ms}
        check_ms = [quick_check(store.layout.database, unlocked.sqlcipher_key) for _ in range(args.repeat)]
        out["quick_check_ms"] = {"median": statistics.median(check_ms), "runs": check_ms}
        drafts, _ = prepared_drafts(catalogue, rng, args.warmup + args.saves)
        out["save_on_big"] = summary(save_loop(store, drafts, args.warmup))
        out["size_after_saves"] = file_sizes(folder)
        out["backup_day_ms"], _ = timed(lambda: store.backup("bench-day"))  # a day's saves since the last one
    finally:
        store.close()
    return out
