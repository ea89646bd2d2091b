"""Counter app benchmarks: cold start to the login window, save to receipt-ready, the ledger at 200,000 cases, RSS.

Run from the repository root: ``.venv/bin/python -m bench.app_bench`` (about a minute and a half; ``--quick``
for a smaller ledger). Writes bench/out/app_bench-*.json and prints a table; figures in docs/counter-app.md.

The 200,000-case ledger: ``--real`` realistic cases go through ``LedgerStore.append`` in batches of 300 (events,
projections and outbox, as at the counter), then ``fill_ledger`` copies those case rows in SQL until the case
projection (case_view, the only table the ledger screen reads) holds ``--cases`` rows with fresh ids, receipt
numbers and dates spread over a year. Appending all 200,000 through the store costs about 2 ms a case here
(SQLAlchemy statement building), some 7 minutes, which is too slow for a test run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fill_ledger(store, total: int) -> int:
    """Copy the store's case rows (round-robin) until case_view holds ``total`` rows; returns rows added."""
    from desktop.store.engine import write

    with write(store.engine) as conn:
        conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MB while the indexes grow
        have = conn.exec_driver_sql("SELECT count(*) FROM case_view").scalar_one()
        if have >= total or have == 0:
            return 0
        conn.exec_driver_sql(
            "CREATE TEMP TABLE seed AS SELECT row_number() OVER (ORDER BY rowid) - 1 AS k, * FROM case_view"
        )
        conn.exec_driver_sql("CREATE UNIQUE INDEX temp.seed_k ON seed(k)")
        conn.exec_driver_sql(f"""
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {total - have - 1})
            INSERT INTO case_view (case_id, receipt_no, item_code, flow, points, mode, applicant_kind, state,
                business_date, recorded_at, completed_at, voided_at, void_reason, amount_fen, village, notes,
                materials_json, missing_count, name, id_number, credit_code, mobile, id_last4, mobile_last4,
                county_note, first_seq, last_seq)
            SELECT printf('%032x', {total} + i), printf('FILL-%07d', i), s.item_code, s.flow, s.points, s.mode,
                s.applicant_kind, s.state, date('2025-11-28', '+' || (i * 365 / {total - have}) || ' days'),
                s.recorded_at,
                s.completed_at, s.voided_at, s.void_reason, s.amount_fen, s.village, s.notes, s.materials_json,
                s.missing_count, s.name, s.id_number, s.credit_code, s.mobile, s.id_last4, s.mobile_last4,
                s.county_note, s.first_seq, s.last_seq
            FROM n JOIN seed AS s ON s.k = n.i % {have}""")
        conn.exec_driver_sql("DROP TABLE temp.seed")
        conn.exec_driver_sql("PRAGMA cache_size = -2000")
    return total - have


def build_ledger(folder: Path, cases: int, real: int, seed: int = 7):
    """A store with ``real`` appended cases, filled to ``cases`` rows; returns the open store."""
    from bench.workload import business_days, chunks, history
    from desktop.store.ledger import Identity
    from desktop.store.opening import create_store
    from sync.ledger.catalogue import load_catalogue
    from sync.ledger.events import new_id

    store, _code = create_store(folder, "bench-password", Identity(new_id(), "0427", 1, "瑶里村代办点"))
    catalogue, rng = load_catalogue(), random.Random(seed)
    for drafts in history(catalogue, real, business_days(date(2026, 11, 27), max(1, real // 60)), rng):
        for batch in chunks(drafts, 300):
            store.append(*batch)
    fill_ledger(store, cases)
    return store


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def cold_start(runs: int) -> dict:
    """Spawn a fresh interpreter that opens the login window and exits when it is shown; median wall time."""
    samples = []
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "bench.app_bench", "--child-login", folder],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                timeout=60,
            )
            samples.append(time.perf_counter() - start)
    return {"runs": runs, "median_ms": _median_ms(samples), "min_ms": round(min(samples) * 1000, 1)}


def _child_login(folder: str) -> None:
    """Runs in the child: start the app the way ``suishenban`` does and quit once the login window is shown."""
    from desktop import app
    from desktop.cli import main as _cli_main  # noqa: F401 - the entry point's own imports are part of the cost

    def shown(window) -> None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, window.close)

    app.run(Path(folder) / "ledger", training=False, on_shown=shown)


def save_to_receipt(folder: Path, runs: int) -> dict:
    """The record page's save (one transaction) until the receipt number is on screen, through the real form."""
    from desktop.app import build_main_window, make_application
    from desktop.services.login import unlock_counter
    from desktop.services.practice import PASSWORD, prepare

    app = make_application(None)
    prepare(folder, date(2026, 11, 27))
    counter = unlock_counter(folder, PASSWORD, training=True)
    window = build_main_window(counter)
    window.resize(1366, 768)
    window.show()
    page = window.show_page("record")
    samples = []
    for n in range(runs):
        page.picker.search.setText("jnhf")
        page.picker.pick_current()
        page.applicant.name.setText("王秀英")
        page.applicant.number.setText("360222195603141237")
        page.amount.setText(str(20 + n))
        page.consent.setChecked(True)
        start = time.perf_counter()
        saved = page.save()
        app.processEvents()
        samples.append(time.perf_counter() - start)
        assert saved is not None and page.done.receipt.text() == saved.receipt_no
        page.start_over()
    window.close()
    samples.sort()
    return {
        "runs": runs,
        "median_ms": _median_ms(samples),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1] * 1000, 1),
    }


def ledger_at_scale(store, repeats: int) -> dict:
    """Open the ledger screen (count + first page) and apply filters, as the agent would."""
    from desktop.app import build_main_window, make_application
    from desktop.services.session import Counter
    from desktop.settings import Settings
    from sync.ledger.catalogue import load_catalogue

    app = make_application(None)
    counter = Counter(store, load_catalogue(), Settings(None))
    window = build_main_window(counter)
    window.resize(1366, 768)
    window.show()
    page = window.pages["ledger"]
    timings: dict[str, list[float]] = {}

    def measure(name: str, action) -> None:
        start = time.perf_counter()
        action()
        app.processEvents()
        timings.setdefault(name, []).append(time.perf_counter() - start)

    for _ in range(repeats):
        page._applied = False
        measure("open", lambda: window.show_page("ledger"))
        measure("filter_item", lambda: page.item.setCurrentIndex(page.item.findData("FL003")))
        page.item.setCurrentIndex(0)
        measure("filter_state", lambda: page.state.setCurrentIndex(page.state.findData("completed")))
        page.state.setCurrentIndex(0)
        measure("filter_month", lambda: page.period.setCurrentIndex(page.period.findData("month")))
        page.period.setCurrentIndex(0)
        page.search.setText("王")
        measure("search_name", page.apply)
        page.search.setText("2345")
        measure("search_last4", page.apply)
        page.search.setText("")
        page.apply()
        measure("scroll_to_end", lambda: page.table.scrollToBottom())
    rows = page.model.rowCount()
    window.close()
    return {
        "rows": rows,
        **{f"{name}_ms": _median_ms(values) for name, values in timings.items()},
        "cached_rows_max": page.model.MAX_PAGES * page.model.PAGE,
    }


def rss_with_big_ledger(folder: Path) -> dict:
    """Peak memory of a fresh app process that opens the big ledger, scrolls it and filters it."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.app_bench", "--child-rss", str(folder)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_rss(folder: str) -> None:
    from desktop.store.opening import open_store

    store, _report = open_store(Path(folder), "bench-password")
    figures = ledger_at_scale(store, 2)
    store.close()
    _shutdown_qt()
    status = Path("/proc/self/status").read_text()
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    print(json.dumps({"rss_peak_mb": round(peak / 1024, 1), "rows": figures["rows"]}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--real", type=int, default=3_000, help="cases appended through the store before the fill")
    parser.add_argument("--starts", type=int, default=7)
    parser.add_argument("--saves", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="20,000 cases, 3 starts")
    parser.add_argument("--child-login", help=argparse.SUPPRESS)
    parser.add_argument("--child-rss", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_login:
        _child_login(args.child_login)
        return 0
    if args.child_rss:
        _child_rss(args.child_rss)
        return 0
    if args.quick:
        args.cases, args.starts = 20_000, 3
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    result: dict = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": _machine(),
        "command": "python -m bench.app_bench " + " ".join(argv or sys.argv[1:]),
    }
    result["cold_start_to_login"] = cold_start(args.starts)
    with tempfile.TemporaryDirectory() as tmp:
        result["save_to_receipt"] = save_to_receipt(Path(tmp) / "training", args.saves)
        started = time.perf_counter()
        store = build_ledger(Path(tmp) / "big", args.cases, args.real)
        result["ledger_build_s"] = round(time.perf_counter() - started, 1)
        result["ledger"] = ledger_at_scale(store, 5)
        store.close()
        result["app_rss"] = rss_with_big_ledger(Path(tmp) / "big")
    out = ROOT / "bench" / "out" / f"app_bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))
    _shutdown_qt()
    return 0


def _shutdown_qt() -> None:
    """Delete the QApplication before the interpreter tears down (PySide6 may crash collecting it late)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        for widget in QApplication.topLevelWidgets():
            widget.deleteLater()
        app.processEvents()
        app.shutdown()


def _machine() -> str:
    try:
        from bench.timing import machine

        return json.dumps(machine(Path(tempfile.gettempdir())), ensure_ascii=False, default=str)
    except Exception:  # an older bench/timing without it
        import platform

        return f"{platform.platform()}, {os.cpu_count()} cores"


if __name__ == "__main__":
    sys.exit(main())
