"""A county database of ``cases`` cases at 2,000 points in 18 townships, generated straight into the tables.

Not through ingest: rows are built here and written with ``county.services.bulk.insert_rows`` (SQLite's
``executemany``, PostgreSQL's ``COPY``) in transactions of about 50,000 cases. What is realistic: points per
township and cases per point are skewed (a few busy shops, many quiet ones); items follow the counter's weighted
mix (``bench.workload.ITEM_WEIGHTS``); dates run over two years of shop days (Monday to Saturday), more of them
recently; states follow the item's flow (payments done the same day, approvals still open when recent, some
returned, about 1% voided); each case has its ``case.recorded`` ledger event and, when done, ``case.completed``;
each county-side status of an approval case is a ``case_status`` row of the pull feed.

Personal fields: a pool of ``POOL`` realistic forms (``bench.workload.case_form``) is drawn from, and each
case's personal fields are sealed for its own event id with the database's key (``county.services.pii``:
AES-GCM, the event id as associated data), so every case page can open its applicant. The personal-field
digests and their salt are the pool form's (reused across cases): nothing in the console reads them.

A database is kept in ``bench/out/`` (SQLite ``console-<cases>.db``, or the PostgreSQL schema
``bench_console_<cases>``) with its keys in ``console-<cases>-<db>.json`` and reused when present.
"""

from __future__ import annotations

import json
import math
import random
import secrets
import time
from bisect import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

import orjson
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from bench.sync_county import PG_URL, ROOT, TOWNSHIPS, engine_for
from bench.workload import ITEM_WEIGHTS, case_form
from county.db import make_engine, upgrade
from county.models import Account, Case, CountyEvent, Device, LedgerEvent, Point, Township
from county.services import bulk
from county.services.pii import PiiBox, new_key
from sync.ledger.catalogue import load_catalogue
from sync.ledger.forms import draft_case
from sync.ledger.kinds import CASE_STATE_LABELS, CaseState
from sync.ledger.receipts import format_receipt_no

OUT = ROOT / "bench" / "out"
POINTS = 2000
POOL = 4000  # realistic forms drawn from
DAYS = 730  # two years of history, ending the day before END
END = date(2026, 11, 27)
CHUNK_CASES = 50_000
RECEIVED = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
OPEN_FOR_DAYS = 90  # approval and online cases older than this are done (or returned / voided)
# By flow: (state, weight) of a case recorded within OPEN_FOR_DAYS.
STATES = {
    "payment": (("completed", 97), ("recorded", 1.5), ("voided", 1.5)),
    "online": (("completed", 80), ("recorded", 18), ("voided", 2)),
    "approval": (
        ("completed", 50),
        ("returned", 8),
        ("in_review", 10),
        ("accepted", 10),
        ("materials_sent", 14),
        ("recorded", 7),
        ("voided", 1),
    ),
}
COUNTY_STEPS = {  # the department's statuses a case went through to reach its state
    "accepted": ("accepted",),
    "in_review": ("accepted", "in_review"),
    "completed": ("accepted", "in_review", "completed"),
    "returned": ("returned",),
}


@dataclass(frozen=True)
class Generated:
    """A generated database: where it is and the keys its app must run with."""

    kind: str
    url: str
    schema: str | None
    cases: int
    points: int
    pii_key: str
    qr_key: str
    seconds: float

    def engine(self) -> Engine:
        return engine_for(self.url, self.schema)


def _meta_path(kind: str, cases: int) -> Path:
    return OUT / f"console-{cases}-{kind}.json"


def _location(kind: str, cases: int) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{OUT / f'console-{cases}.db'}", None
    return PG_URL, f"bench_console_{cases}"


def _present(meta: Path) -> Generated | None:
    if not meta.exists():
        return None
    found = Generated(**json.loads(meta.read_text()))
    try:
        with found.engine().connect() as conn:
            if conn.execute(text('SELECT count(*) FROM "case"')).scalar() >= found.cases:
                return found
    except Exception:  # the schema or file went away: generate again
        return None
    return None


def database(kind: str, cases: int, seed: int = 17) -> Generated:
    """The generated database of ``cases`` cases on ``kind`` (sqlite | postgresql), made if not present."""
    OUT.mkdir(parents=True, exist_ok=True)
    meta = _meta_path(kind, cases)
    if found := _present(meta):
        if kind == "postgresql":  # a database generated before the sequences were moved on
            _sequences_past_ids(engine_for(found.url, found.schema))
        return found
    url, schema = _location(kind, cases)
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    else:
        admin = make_engine(PG_URL, pool_size=1, max_overflow=0)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    engine = engine_for(url, schema) if schema else make_engine(url)
    if kind == "sqlite":  # a throw-away file until it is complete: no fsync, a big page cache
        event.listen(engine, "connect", _fast_sqlite)
    upgrade(engine)
    start = time.perf_counter()
    generated = Generated(kind, url, schema, cases, POINTS, new_key(), new_key(), 0.0)
    _fill(engine, generated, random.Random(seed))
    if kind == "postgresql":
        _sequences_past_ids(engine)
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    generated = Generated(**{**generated.__dict__, "seconds": round(time.perf_counter() - start, 1)})
    meta.write_text(json.dumps(generated.__dict__, indent=1))
    return generated


def _sequences_past_ids(engine: Engine) -> None:
    """Rows written with their ids (COPY) leave PostgreSQL's sequences at 1: move them past the highest id, so a
    bench round can still enrol new points, accounts and townships."""
    with engine.begin() as conn:
        for table in ("township", "point", "account"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))"
                )
            )
    engine.dispose()


def _fast_sqlite(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-400000")
    cursor.close()


def _weights(rng: random.Random, n: int, sigma: float) -> list[float]:
    return [math.exp(rng.gauss(0, sigma)) for _ in range(n)]


def _shares(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, every share at least 1, summing exactly to ``total``."""
    whole = sum(weights)
    shares = [max(1, int(total * w / whole)) for w in weights]
    index = 0
    while sum(shares) != total:
        step = 1 if sum(shares) < total else -1
        if shares[index % len(shares)] + step >= 1:
            shares[index % len(shares)] += step
        index += 1
    return shares


def shop_days() -> list[date]:
    days = [END - timedelta(days=d) for d in range(DAYS, 0, -1)]
    return [d for d in days if d.weekday() < 6]


def _organisation(session: Session, rng: random.Random, generated: Generated) -> list[tuple[int, str, str]]:
    """Townships, points (skewed over townships), an account and one enrolled device each: (point id, code, device)."""
    since = RECEIVED - timedelta(days=DAYS + 30)
    bulk.insert_rows(
        session,
        Township.__table__,
        [{"id": i + 1, "name": name, "created_at": since} for i, name in enumerate(TOWNSHIPS)],
    )
    per_township = _shares(generated.points, _weights(rng, len(TOWNSHIPS), 0.4))
    townships = [t + 1 for t, n in enumerate(per_township) for _ in range(n)]
    points, accounts, devices, out = [], [], [], []
    for index, township in enumerate(townships):
        pid, code, device = index + 1, f"{index + 1:04d}", secrets.token_hex(16)
        name = f"{TOWNSHIPS[township - 1].removesuffix('镇').removesuffix('乡')}{index + 1}号代办点"
        points.append(dict(id=pid, code=code, name=name, kind="shop", township_id=township, state="active"))
        points[-1].update(created_at=since, revoked_at=None)
        accounts.append(dict(id=pid, point_id=pid, name="王秀英", state="active", created_at=since, revoked_at=None))
        devices.append(
            dict(
                id=device,
                point_id=pid,
                account_id=pid,
                device_no=1,
                token_hash=secrets.token_hex(32),
                signing_key=None,
                label="BENCH-PC",
                state="active",
                app_version="0.1.0",
                enrolled_at=since,
                last_seen_at=RECEIVED,
                head_seq=0,
                head_hash="0" * 64,
                tampered=False,
                clock_skew_seconds=0,
                clock_wrong=False,
            )
        )
        out.append((pid, code, device))
    for table, rows in ((Point, points), (Account, accounts), (Device, devices)):
        bulk.insert_rows(session, table.__table__, rows)
    return out


def _pool(rng: random.Random) -> list[tuple[dict, dict, str, str, str]]:
    """(body, pii, pii_salt, pii_digests JSON, flow) of ``POOL`` realistic case forms, weighted by item."""
    catalogue = load_catalogue()
    out = []
    for _ in range(POOL):
        draft = draft_case(
            case_form(catalogue, rng), catalogue, business_date=END, occurred_at="2026-11-27T09:00:00.000+08:00"
        )
        salt = secrets.token_hex(16)
        digests = {k: secrets.token_hex(32) for k in sorted(draft.pii or {})}
        out.append((draft.body, draft.pii or {}, salt, orjson.dumps(digests).decode(), draft.body["flow"]))
    return out


def _event_id(day: date, n: int) -> str:
    """Time-ordered like the counter's ids: the day's milliseconds, then random."""
    ms = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000) + n
    return f"{ms:012x}{secrets.token_hex(10)}"


def _fill(engine: Engine, generated: Generated, rng: random.Random) -> None:
    box = PiiBox(generated.pii_key)
    days = shop_days()
    day_cum = list(accumulate(0.4 + i / len(days) for i in range(len(days))))
    pool = _pool(rng)
    by_item: dict[str, list[int]] = {}
    for index, (body, *_rest) in enumerate(pool):
        by_item.setdefault(body["item_code"], []).append(index)
    items = [code for code in ITEM_WEIGHTS if code in by_item]
    item_cum = list(accumulate(ITEM_WEIGHTS[code] for code in items))
    state_cum = {
        flow: (list(s for s, _ in pairs), list(accumulate(w for _, w in pairs))) for flow, pairs in STATES.items()
    }
    with Session(engine) as session:
        points = _organisation(session, rng, generated)
        session.commit()
        per_point = _shares(generated.cases, _weights(rng, len(points), 0.7))
        buffer = _Buffer(session)
        for (pid, code, device), count in zip(points, per_point, strict=True):
            chosen = sorted(bisect(day_cum, rng.random() * day_cum[-1]) for _ in range(count))
            serials: dict[date, int] = {}
            seq = 0
            for day_index in chosen:
                day = days[min(day_index, len(days) - 1)]
                serials[day] = serials.get(day, 0) + 1
                item = items[bisect(item_cum, rng.random() * item_cum[-1])]
                body, pii, salt, digests, flow = pool[rng.choice(by_item[item])]
                names, cum = state_cum[flow]
                state = names[bisect(cum, rng.random() * cum[-1])]
                if (END - day).days > OPEN_FOR_DAYS and state not in ("completed", "returned", "voided"):
                    state = "completed"
                seq = _one_case(
                    buffer, box, rng, (pid, code, device), day, serials[day], seq, body, pii, salt, digests, state
                )
            if buffer.cases >= CHUNK_CASES:
                buffer.flush()
        buffer.flush()


class _Buffer:
    """Rows waiting for the next transaction: one bulk insert per table."""

    def __init__(self, session: Session):
        self.session, self.rows = session, {"case": [], "event": [], "status": []}

    @property
    def cases(self) -> int:
        return len(self.rows["case"])

    def flush(self) -> None:
        bulk.insert_rows(self.session, Case.__table__, self.rows["case"])
        bulk.insert_rows(self.session, LedgerEvent.__table__, self.rows["event"], json_text={"body", "pii_digests"})
        bulk.insert_rows(self.session, CountyEvent.__table__, self.rows["status"])
        self.session.commit()
        self.rows = {"case": [], "event": [], "status": []}


def _one_case(buffer, box, rng, point, day, serial, seq, body, pii, salt, digests, state) -> int:
    pid, code, device = point
    receipt = format_receipt_no(code, day, 1, serial)
    at = f"{day.isoformat()}T{8 + serial * 7 // 60 % 10:02d}:{serial * 7 % 60:02d}:00.000+08:00"
    event_id = _event_id(day, serial)
    case_id = event_id  # a case's recording event takes the case's id (docs/sync-protocol.md)
    body = {**body, "case_id": case_id, "receipt_no": receipt, "business_date": day.isoformat()}
    done = None
    if state in ("completed", "voided"):
        later = 0 if body["flow"] == "payment" else rng.randint(1, 12)
        done_day = min(day + timedelta(days=later), END - timedelta(days=1))
        done = f"{done_day.isoformat()}T16:{serial % 60:02d}:00.000+08:00"
    buffer.rows["case"].append(
        dict(
            case_id=case_id,
            point_id=pid,
            device_id=device,
            receipt_no=receipt,
            item_code=body["item_code"],
            flow=body["flow"],
            points=body["points"],
            mode=body["mode"],
            applicant_kind=body["applicant_kind"],
            state=state,
            business_date=day.isoformat(),
            recorded_at=at,
            completed_at=done if state == "completed" else None,
            completed_month=done[:7] if state == "completed" else None,
            credited_at=done if state == "completed" else None,
            credit_month=done[:7] if state == "completed" else None,
            credit_flag=None,
            disqualified=False,
            disqualify_reason=None,
        )
    )
    seq += 1
    buffer.rows["event"].append(_event(pid, device, seq, event_id, "case.recorded", at, body, box, pii, salt, digests))
    if state == "completed" and body["flow"] != "approval":
        seq += 1
        follow = {"case_id": case_id, "receipt_no": receipt}
        buffer.rows["event"].append(
            _event(pid, device, seq, _event_id(day, serial) + "", "case.completed", done, follow)
        )
    elif state == "voided":
        seq += 1
        follow = {"case_id": case_id, "reason": "录错了事项，已重新登记"}
        buffer.rows["event"].append(_event(pid, device, seq, _event_id(day, serial), "case.voided", done, follow))
    elif body["flow"] == "approval" and state != "recorded":
        seq += 1
        follow = {"case_id": case_id, "mailing_id": secrets.token_hex(16)}
        buffer.rows["event"].append(_event(pid, device, seq, _event_id(day, serial), "materials.sent", at, follow))
        for step, status in enumerate(COUNTY_STEPS.get(state, ())):
            changed = f"{(day + timedelta(days=2 + 3 * step)).isoformat()}T10:00:00.000+08:00"
            note = "材料不全，请补充营业场所证明后重新提交。" if status == "returned" else ""
            payload = {"case_id": case_id, "status": status, "note": note, "changed_at": changed}
            payload["label"] = CASE_STATE_LABELS[CaseState(status)]
            buffer.rows["status"].append(
                dict(point_id=pid, kind="case_status", case_id=case_id, payload=payload, created_at=RECEIVED)
            )
    return seq


def _event(pid, device, seq, event_id, kind, at, body, box=None, pii=None, salt=None, digests="{}") -> dict:
    return dict(
        device_id=device,
        point_id=pid,
        seq=seq,
        event_id=event_id,
        type=kind,
        occurred_at=at,
        received_at=RECEIVED,
        month=at[:7],
        body=orjson.dumps(body).decode(),
        case_id=body.get("case_id"),  # as ingest fills it (migration 0013): the lookup reads a case's events by it
        pii=None,
        pii_sealed=box.seal(pii, event_id) if box else None,
        id_lookup=box.lookup_of(pii) if box else None,
        pii_salt=salt,
        pii_digests=digests,
        hash=secrets.token_hex(32),
        status="accepted",
        reject_code=None,
        reject_message=None,
    )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="generate the console benchmark's county database")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    args = parser.parse_args()
    for kind in args.db or ["sqlite", "postgresql"]:
        made = database(kind, args.cases)
        print(json.dumps({k: v for k, v in made.__dict__.items() if not k.endswith("_key")}))
