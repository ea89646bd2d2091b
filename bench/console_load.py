"""Load for the console benchmark: staff reading console pages, villagers looking up receipts, ingest alongside.

Console readers are paced threads (each a signed-in staff session keeping its connection); lookup clients are
child processes (spawned, each with threads on keep-alive connections) so that the client side is not one GIL.
Latency is the wall time of one request as the client sees it, headers to the last byte of the body.
"""

from __future__ import annotations

import http.client
import multiprocessing
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from county.models import Case, Point, StaffUser
from county.services import staff_login
from county.services.staff import StaffRole, hash_password
from sync.ledger.check_code import check_code, derive_point_key

PASSWORD = "bench-只读-9f3a"
# the list pages by keyset: "page 7" is the page after the 300th newest case, "returned, page 2" after the 50th
SEARCHES = (
    "",
    "state=in_review",
    "state=returned&after={returned_50}",
    "item=FL015",
    "after={newest_300}",
    "point={point}",
    "receipt={prefix}",
)


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(latencies: list[float]) -> dict[str, Any]:
    ms = [v * 1000 for v in latencies]
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 0.5),
        "p95_ms": percentile(ms, 0.95),
        "max_ms": max(ms) if ms else None,
        "mean_ms": statistics.fmean(ms) if ms else None,
    }


def staff_tokens(engine, township_id: int) -> dict[str, str]:
    """A bureau clerk and a township clerk (made once), each signed in afresh through the console's own
    sign-in service: the session cookie's token by role."""
    out = {}
    with Session(engine) as session:
        for username, role, township in (
            ("bench-bureau", StaffRole.BUREAU_CLERK, None),
            ("bench-town", StaffRole.TOWNSHIP, township_id),
        ):
            if session.scalar(select(StaffUser).where(StaffUser.username == username)) is None:
                session.add(
                    StaffUser(
                        username=username,
                        display_name="测试员",
                        role=role.value,
                        township_id=township,
                        password_hash=hash_password(PASSWORD),
                        must_change_password=False,
                        created_at=staff_login.utcnow(),
                    )
                )
                session.flush()
            out[role.value] = staff_login.sign_in(session, username, PASSWORD, client="127.0.0.1").token
        session.commit()
    return out


@dataclass
class Targets:
    """What the readers ask for: case ids and search queries per role, receipt lookups with their codes."""

    case_ids: dict[str, list[str]]
    searches: dict[str, list[str]]
    lookups: list[str]


def targets(engine, township_id: int, qr_key: str, rng: random.Random, n: int = 2000) -> Targets:
    with Session(engine) as session:
        sizes = dict(session.execute(select(Case.point_id, func.count()).group_by(Case.point_id)).all())
        town_points = set(session.scalars(select(Point.id).where(Point.township_id == township_id)))

        def one(points: list[int]) -> tuple[str, str]:
            point = rng.choice(points)  # a random case: a random point, a random place in its receipt numbers
            query = select(Case.case_id, Case.receipt_no).where(Case.point_id == point).order_by(Case.receipt_no)
            return session.execute(query.offset(rng.randrange(sizes[point])).limit(1)).one()

        weighted = [p for p, k in sizes.items() for _ in range(max(1, k // 100))]  # busy points asked more
        picked = [one(weighted) for _ in range(n)]
        in_town = [p for p in weighted if p in town_points]
        town = [c for c, _r in (one(in_town) for _ in range(n // 4))]
        codes = [c for (c,) in session.execute(select(Point.code).where(Point.township_id == township_id))]
        keys = {}
        for role, scope in (("bureau_clerk", Case.point_id > 0), ("township", Case.point_id.in_(town_points))):
            newest = select(Case.business_date, Case.receipt_no).where(scope)
            newest = newest.order_by(Case.business_date.desc(), Case.receipt_no.desc()).limit(1)
            returned = newest.where(Case.state == "returned")  # a small township may hold fewer than 51
            returned_50 = session.execute(returned.offset(50)).first() or session.execute(returned).one()
            keys[role] = {
                "newest_300": ".".join(session.execute(newest.offset(300)).one()),
                "returned_50": ".".join(returned_50),
            }
    master = bytes.fromhex(qr_key)
    lookups = [f"/ssb/q?r={r}&c={check_code(r, derive_point_key(master, r[:4]))}" for _c, r in picked]
    searches = {}
    for role, point_codes in (("bureau_clerk", [f"{i:04d}" for i in range(1, 2001)]), ("township", codes)):
        searches[role] = [
            "/console/cases"
            + (
                "?" + q.format(point=rng.choice(point_codes), prefix=rng.choice(point_codes) + "-26", **keys[role])
                if q
                else ""
            )
            for q in SEARCHES
            for _ in range(3)
        ]
    return Targets({"bureau_clerk": [c for c, _r in picked[: n // 4]], "township": town}, searches, lookups)


@dataclass
class ConsoleReaders:
    """``threads`` staff readers (half bureau clerk, half township clerk), each asking every ``interval`` s,
    alternating the case list (search page) and a case page, until stopped."""

    port: int
    tokens: dict[str, str]
    aims: Targets
    threads: int = 4
    interval: float = 0.5
    results: list[tuple[str, str, float, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.threads):
            role = ("bureau_clerk", "township")[index % 2]
            worker = threading.Thread(target=self._run, args=(role, random.Random(index)), daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)

    def _run(self, role: str, rng: random.Random) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": f"ssb_console={self.tokens[role]}"}
        turn = 0
        while not self._stop.is_set():
            page = "search" if turn % 2 == 0 else "case"
            path = (
                rng.choice(self.aims.searches[role])
                if page == "search"
                else ("/console/cases/" + rng.choice(self.aims.case_ids[role]))
            )
            turn += 1
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                status = 0
            spent = time.perf_counter() - start
            with self._lock:
                self.results.append((role, page, spent, status))
            self._stop.wait(max(0.0, self.interval - spent))
        conn.close()

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {"statuses": dict(Counter(str(s) for *_r, s in self.results))}
        for page in ("search", "case"):
            out[page] = summary([t for _r, p, t, s in self.results if p == page and s == 200])
            for role in ("bureau_clerk", "township"):
                out[f"{page}_{role}"] = summary(
                    [t for r, p, t, s in self.results if p == page and r == role and s == 200]
                )
        return out


def _lookup_worker(port: int, paths: list[str], threads: int, go, stop, box) -> None:
    """Child process: ``threads`` closed-loop clients on keep-alive connections from ``go`` until ``stop``."""
    results: list[tuple[float, int]] = []
    lock = threading.Lock()

    def run(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        go.wait(120)
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                conn.request("GET", rng.choice(paths))
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            mine.append((time.perf_counter() - t0, status))
        conn.close()
        with lock:
            results.extend(mine)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    box.put("ready")
    for worker in workers:
        worker.join()
    box.put(results)


def lookups(port: int, paths: list[str], *, processes: int, threads: int, during: Callable[[], Any]) -> dict[str, Any]:
    """Closed-loop lookups from ``processes`` × ``threads`` clients while ``during()`` runs (the pushes, or a
    pause): rate, latency, statuses, and what ``during`` returned."""
    context = multiprocessing.get_context("spawn")
    box, go, stop = context.Queue(), context.Event(), context.Event()
    children = [
        context.Process(target=_lookup_worker, args=(port, paths, threads, go, stop, box)) for _ in range(processes)
    ]
    for child in children:
        child.start()
    for _ in children:
        box.get(timeout=120)  # each child has imported and started its threads: all begin together
    go.set()
    start = time.perf_counter()
    try:
        returned = during()
    finally:
        stop.set()
    seconds = time.perf_counter() - start
    results = [row for _ in children for row in box.get(timeout=300)]
    for child in children:
        child.join(timeout=30)
    ok = [t for t, s in results if s == 200]
    return {
        "per_s": len(ok) / seconds,
        "clients": processes * threads,
        "seconds": seconds,
        "statuses": dict(Counter(str(s) for _t, s in results)),
        **summary(ok),
        "during": returned,
    }
