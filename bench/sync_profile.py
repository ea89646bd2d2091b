"""Reading the sync benchmark's cProfile files: own time per layer and the costliest functions."""

from __future__ import annotations

import pstats
from pathlib import Path
from typing import Any


def top_costs(path: Path, limit: int = 15) -> list[dict[str, Any]]:
    """The functions with the most own time in a saved profile (waits excluded)."""
    busy = list(_busy(pstats.Stats(str(path))))
    total = sum(v[2] for _k, v in busy)
    rows = sorted(busy, key=lambda kv: kv[1][2], reverse=True)[:limit]
    return [
        {
            "function": f"{Path(file).name}:{line} {func}",
            "own_share": own / total,
            "own_s": own,
            "cum_s": cum,
            "calls": calls,
        }
        for (file, line, func), (_cc, calls, own, cum, _callers) in rows
    ]


# Own-time buckets, matched in order against (file, function) of each profiled function.
LAYERS = (
    (
        "HTTP stack (uvicorn, h11, starlette, fastapi, anyio, asyncio)",
        lambda f, fn: any(p in f for p in ("/uvicorn/", "/h11/", "/starlette/", "/fastapi/", "/anyio/", "asyncio")),
    ),
    ("pydantic (wire models: validate, serialise)", lambda f, fn: "pydantic" in f),
    (
        "JSON decode incl. duplicate-key hook (county/api/body.py, json)",
        lambda f, fn: "/json/" in f or "county/api/body.py" in f or ("json" in fn.lower() and "built-in" in fn),
    ),
    (
        "shared rules: forms, validation, ids (sync/ledger)",
        lambda f, fn: "/sync/ledger/" in f and not any(p in f for p in ("chain.py", "canonical.py", "events.py")),
    ),
    (
        "chain: canonical JSON, SHA-256, HMAC digests (sync/ledger, hashlib, hmac)",
        lambda f, fn: (
            any(p in f for p in ("chain.py", "canonical.py", "events.py", "/hmac.py", "/sync/wire.py"))
            or "_hashlib" in fn
            or "sha256" in fn
        ),
    ),
    ("county services (ingest, cases, auth)", lambda f, fn: "/county/" in f),
    ("SQLAlchemy (ORM, Core, compile, result)", lambda f, fn: "sqlalchemy" in f),
    (
        "database driver (sqlite3 / psycopg) incl. commit",
        lambda f, fn: "sqlite3" in fn or "sqlite3" in f or "psycopg" in f or "psycopg" in fn,
    ),
    ("gzip / zlib", lambda f, fn: "zlib" in fn or "/gzip.py" in f),
    ("other (stdlib, threads, ...)", lambda f, fn: True),
)


IDLE = ("select.epoll", "_thread.lock", "time.sleep", "_thread.RLock", "'wait'")  # waiting, not working


def _busy(stats: pstats.Stats):
    for (file, line, func), value in stats.stats.items():  # type: ignore[attr-defined]
        if not any(mark in func for mark in IDLE):
            yield (file, line, func), value


def layers(path: Path) -> dict[str, float]:
    """Own time per layer, as a share of the total busy own time (waits excluded) in a saved profile."""
    spent: dict[str, float] = {name: 0.0 for name, _ in LAYERS}
    for (file, _line, func), (_cc, _nc, own, _cum, _callers) in _busy(pstats.Stats(str(path))):
        for name, match in LAYERS:
            if match(file, func):
                spent[name] += own
                break
    total = sum(spent.values()) or 1.0
    return {name: value / total for name, value in spent.items()}
