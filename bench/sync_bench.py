"""Benchmark of sync: bytes per event, a 2G link, county ingest rate, and many devices reconnecting at once.

Run from the repository root with the project's virtualenv:  .venv/bin/python -m bench.sync_bench --all [--quick]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sync_county import WORKERS, postgres_version
from bench.sync_county_phases import ingest_phase
from bench.sync_storm import storm_phase
from bench.sync_wire_phases import link_phase, wire_phase
from bench.timing import machine
from bench.timing import workdir as workdir_for
from sync.ledger.catalogue import load_catalogue

OUT = Path(__file__).resolve().parent / "out"
BARS = {
    "bytes_per_event": 120.0,
    "pushes_per_200": 1.0,
    "link_wall_s": 90.0,
    "ingest_events_per_s": 10_000.0,
    "drain_s_2000": 900.0,
}
PHASES = ("wire", "link", "ingest", "storm")


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sync_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="run every phase (the default when none is named)")
    for phase in PHASES:
        parser.add_argument(f"--{phase}", action="store_true", help=f"run the {phase} phase")
    parser.add_argument("--quick", action="store_true", help="small sizes and one run each (about 5 minutes)")
    parser.add_argument("--db", default="sqlite,postgresql", help="county databases for ingest and storm")
    parser.add_argument("--repeat", type=int, help="runs of the wire and ingest phases (default 3; quick 1)")
    parser.add_argument("--wire-events", type=int, default=1000)
    parser.add_argument("--batches", type=_ints, default=[50, 200, 500], help="push batch sizes, e.g. 50,200,500")
    parser.add_argument("--link-repeat", type=int, help="2G runs (default 5; quick 1)")
    parser.add_argument("--link-events", type=int, default=1000)
    parser.add_argument(
        "--link-stress-drop",
        type=float,
        help="one more 2G run at this drop rate, for the re-send check only (default 0.3; quick 0)",
    )
    parser.add_argument("--ingest-devices", type=int, help="devices pushing in parallel (default 16; quick 4)")
    parser.add_argument(
        "--ingest-events",
        type=int,
        help="events per ingest device (default 4000: 64,000 a run, long enough for the ledger to grow; quick 500)",
    )
    parser.add_argument("--storm-devices", type=_ints, help="device counts (default 100,200,400; quick 20,40)")
    parser.add_argument("--storm-events", type=int, default=140, help="backlog per device (a week: ~20 a day)")
    parser.add_argument("--storm-repeat", type=int, default=1, help="storms per device count (median kept)")
    parser.add_argument("--workers", type=int, default=64, help="client threads in the storm")
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=5,
        help="the storm endpoint's keep-alive timeout "
        "(uvicorn's default 5 s, as `suishenban-county serve` runs; for what-if runs)",
    )
    parser.add_argument("--storm-deadline", type=float, default=900.0, help="seconds before a storm gives up")
    parser.add_argument(
        "--server-processes",
        type=int,
        default=WORKERS,
        help="endpoint processes for ingest and storm (default: two per core, as serve starts)",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled ingest run")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--keep", type=Path, help="work in this (new or empty) folder and keep the files")
    args = parser.parse_args(argv)
    quick = args.quick
    args.repeat = args.repeat or (1 if quick else 3)
    args.link_repeat = args.link_repeat or (1 if quick else 5)
    if args.link_stress_drop is None:
        args.link_stress_drop = 0.0 if quick else 0.3
    args.ingest_devices = args.ingest_devices or (4 if quick else 16)
    args.ingest_events = args.ingest_events or (500 if quick else 4000)
    args.storm_devices = args.storm_devices or ([20, 40] if quick else [100, 200, 400])
    args.dbs = [d for d in args.db.split(",") if d]
    chosen = [p for p in PHASES if getattr(args, p)]
    args.phases = list(PHASES) if args.all or not chosen else chosen
    return args


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def extrapolate(sizes: dict[str, Any], target: int = 2000) -> dict[str, Any] | None:
    """Drain time at ``target`` devices: a straight line through the measured sizes (least squares)."""
    points = [(int(n), r["drain_s"]) for n, r in sizes.items() if r.get("drain_s")]
    if not points:
        return None
    if len(points) == 1:
        ((n, t),) = points
        return {"method": "proportional to devices", "drain_s": t * target / n}
    mean_n = sum(n for n, _ in points) / len(points)
    mean_t = sum(t for _, t in points) / len(points)
    slope = sum((n - mean_n) * (t - mean_t) for n, t in points) / sum((n - mean_n) ** 2 for n, _ in points)
    line = mean_t + slope * (target - mean_n)
    largest, t_largest = max(points)
    proportional = t_largest * target / largest
    return {
        "method": "least-squares line through the measured sizes, and proportional to the largest",
        "seconds_per_device": slope,
        "line_drain_s": line,
        "proportional_drain_s": proportional,
        "drain_s": max(line, proportional),
    }


def verdict(value: float | None, bar: float, *, higher_is_better: bool = False) -> str:
    if value is None:
        return "n/a"
    return "meets" if (value >= bar if higher_is_better else value <= bar) else "MISSES"


def report(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"Sync benchmark {result['started_at']}  ({m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB, "
        f"Python {m['python']}, SQLite {m['sqlite_stdlib']}, PostgreSQL {result['postgresql']})"
    ]
    row = "  {:<58} {:>14} {:>14}  {}".format
    if "wire" in result:
        wire = result["wire"]
        lines.append(
            f"Wire: {wire['events']} realistic case events per run, medians of {result['args']['repeat']} runs"
        )
        for batch, data in wire["batches"].items():
            med = data["median"]
            lines += [
                row(
                    f"batch {batch}: request bytes per case event (HTTP incl.)",
                    f"{med['push_up_per_event']:.1f}",
                    "≤ 120",
                    verdict(med["push_up_per_event"], BARS["bytes_per_event"]),
                ),
                row(
                    "  bare payload gzip'd (body+pii) / ratio",
                    f"{med['bare_gzip_per_event']:.1f}",
                    f"×{med['push_up_per_event'] / med['bare_gzip_per_event']:.2f}",
                    "",
                ),
                row("  response bytes per event", f"{med['push_down_per_event']:.1f}", "", ""),
                row(
                    "  pushes per 200 events / round trips per 1,000 (incl. pull)",
                    f"{med['pushes_per_200']:.1f}",
                    f"{med['round_trips_per_1000']:.0f}",
                    verdict(med["pushes_per_200"], BARS["pushes_per_200"]),
                ),
            ]
            if "openrosa_up_per_record" in med:
                lines.append(
                    row(
                        "  OpenRosa-style: request / response bytes per record",
                        f"{med['openrosa_up_per_record']:.0f}",
                        f"{med['openrosa_down_per_record']:.0f}",
                        f"{med['openrosa_round_trips_per_record']:.0f} round trips per record",
                    )
                )
    if "link" in result:
        link = result["link"]
        lines.append(
            row(
                f"2G link: {link['events']} events, median wall of {len(link['runs'])} runs",
                f"{link['median_wall_s']:.1f} s",
                "≤ 90 s",
                verdict(link["median_wall_s"], BARS["link_wall_s"]),
            )
        )
        lines.append(
            row(
                "  events re-sent after a delivered ack (max over runs)",
                str(link["max_resent_after_ack"]),
                "0",
                "meets" if link["max_resent_after_ack"] == 0 else "MISSES",
            )
        )
        stress = link.get("stress")
        if stress:
            lines.append(
                row(
                    f"  stress run, {stress['link']['drop_rate']:.0%} dropped: wall / drops / re-sent after ack",
                    f"{stress['wall_s']:.0f} s",
                    f"{stress['dropped']} ({stress['dropped_in_answer']} in answer) / {stress['resent_after_ack']}",
                    "meets" if stress["resent_after_ack"] == 0 else "MISSES",
                )
            )
    for kind, data in result.get("ingest", {}).items():
        med = data["median"]
        lines += [
            row(
                f"ingest {kind}: HTTP, {data['devices']} devices, batches of 500 (ev/s)",
                f"{med['http_events_per_s']:,.0f}",
                "≥ 10,000",
                verdict(med["http_events_per_s"], BARS["ingest_events_per_s"], higher_is_better=True),
            ),
            row(
                "  server CPU per 1,000 events over HTTP (endpoint processes) / clients' CPU",
                f"{med['http_server_cpu_ms_per_1000']:.0f} ms",
                f"{med['http_client_cpu_ms_per_1000']:.0f} ms",
                "",
            ),
            row(
                "  machine busy during the HTTP run (all processes, both cores)",
                "?" if med.get("http_machine_busy_share") is None else f"{med['http_machine_busy_share']:.0%}",
                "",
                "",
            ),
            row(
                "  DERIVED: 2 dedicated cores at that server CPU (ev/s) = 2 / CPU s per event",
                f"{med['implied_2_core_events_per_s']:,.0f}",
                "≥ 10,000",
                verdict(med["implied_2_core_events_per_s"], BARS["ingest_events_per_s"], higher_is_better=True)
                + " (derived)",
            ),
            row(
                "  service level ingest.push (ev/s) / with parse",
                f"{med['service_events_per_s']:,.0f}",
                f"{med['service_with_parse_events_per_s']:,.0f}",
                "",
            ),
            row(
                "  service level CPU per 1,000 events, parse included (one process)",
                f"{med['service_cpu_ms_per_1000']:.0f} ms",
                "",
                "",
            ),
            row("  floor: rebuild hash + shared rules only (ev/s)", f"{med['rules_floor_events_per_s']:,.0f}", "", ""),
        ]
    for kind, data in result.get("storm", {}).items():
        for n, r in data["sizes"].items():
            runs = ", ".join(f"{t:.0f}" if t else "unfinished" for t in r["drain_runs_s"])
            lines.append(
                row(
                    f"storm {kind}: {n} devices × {data['events_per_device']} events, drain",
                    f"{r['drain_s']:.1f} s" if r["drain_s"] else "UNFINISHED",
                    str(r["statuses"]),
                    f"runs: {runs} s; resets {sum(v for k, v in r['client_errors'].items() if 'network' in k)}",
                )
            )
        ext = data.get("extrapolated")
        if ext:
            lines.append(
                row(
                    "  extrapolated to 2,000 devices (worse of line / proportional)",
                    f"{ext['drain_s']:.0f} s",
                    "≤ 900 s",
                    verdict(ext["drain_s"], BARS["drain_s_2000"]),
                )
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir, remove = workdir_for(args.keep, "sync-bench-")
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    profile_dir = None if args.no_profile or args.quick else OUT / f"sync_profiles-{stamp}"
    result: dict[str, Any] = {
        "started_at": datetime.now().isoformat(timespec="seconds"),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine(workdir),
        "postgresql": postgres_version(),
        "load": {},
    }
    pg_ok = not result["postgresql"].startswith("unavailable")
    dbs = [d for d in args.dbs if d == "sqlite" or pg_ok]
    catalogue = load_catalogue()
    try:
        for phase in args.phases:
            print(f"{phase} … (load {_load()})", file=sys.stderr, flush=True)
            result["load"][f"{phase}_start"] = _load()
            if phase == "wire":
                result["wire"] = wire_phase(workdir, catalogue, args)
            elif phase == "link":
                result["link"] = link_phase(workdir, catalogue, args)
            elif phase == "ingest":
                if profile_dir:
                    profile_dir.mkdir(parents=True, exist_ok=True)
                result["ingest"] = {kind: ingest_phase(workdir, catalogue, args, kind, profile_dir) for kind in dbs}
            else:
                result["storm"] = {}
                for kind in dbs:
                    data = storm_phase(workdir, catalogue, args, kind)
                    data["extrapolated"] = extrapolate(data["sizes"])
                    result["storm"][kind] = data
            result["load"][f"{phase}_end"] = _load()
    finally:
        if remove:
            shutil.rmtree(workdir, ignore_errors=True)
    out = OUT / f"sync_bench-{stamp}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    print(report(result))
    profiles = profile_dir is not None and profile_dir.exists()
    print(f"results written to {out}" + (f"; profiles in {profile_dir}" if profiles else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
