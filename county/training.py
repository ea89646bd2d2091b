"""The training sandbox (培训沙箱): a county endpoint of its own on loopback, for 培训模式.

Started by the counter in training mode as a child process. It sets up a practice township, point
(编号 9999) and account, prints one JSON line with its address and a fresh activation code, then
serves. A simulated department moves practice cases along (受理, then 办结) so a newcomer sees
statuses come back through sync.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

import uvicorn
from sqlalchemy import select

from county.api.app import create_app
from county.config import ClockRules, Settings
from county.db import make_engine, session_factory, upgrade
from county.models import Account, Case, CountyEvent, Point, Township
from county.services import admin, departments
from county.services.common import utcnow
from county.services.notices import publish_notice
from county.services.pii import new_key
from sync.ledger.kinds import CaseState, Flow

TRAINING_CODE = "9999"
STEP_SECONDS = 5.0


def _practice_account(sessions) -> int:
    with sessions() as session:
        point = session.scalar(select(Point).where(Point.code == TRAINING_CODE))
        if point is None:
            township = session.scalar(select(Township).where(Township.name == "培训乡镇"))
            township = township or admin.create_township(session, "培训乡镇", actor="training")
            point = Point(
                code=TRAINING_CODE,
                name="培训代办点（练习用）",
                kind="shop",
                township_id=township.id,
                created_at=utcnow(),
            )
            session.add(point)
            session.flush()
            session.add(Account(point_id=point.id, name="练习代办员", created_at=utcnow()))
        account = session.scalar(select(Account).where(Account.point_id == point.id))
        session.commit()
        return account.id


def practice_pii_key(engine) -> str:
    """The practice county's personal-data key: in a file beside its database (made once, owner only), so
    practice records stay readable from one practice day to the next; practice data is not real."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return new_key()
    path = Path(database).with_name(Path(database).name + ".pii-key")
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(new_key())
    return path.read_text(encoding="ascii").strip()


RETURN_EVERY = 4  # one practice approval case in four comes back 退回, so trainees see that path too
RETURN_NOTE = "（培训）材料不全：请补交经营场所使用证明后重新送交。"


def returned_in_training(case_id: str) -> bool:
    """Whether the pretend department sends this practice case back 退回 (fixed by its id)."""
    return int(case_id[:4], 16) % RETURN_EVERY == 0


def _department_step(sessions) -> None:
    """A pretend department: materials sent are accepted (or now and then returned), accepted ones completed."""
    with sessions() as session:
        for case in session.scalars(
            select(Case).where(Case.state.in_([CaseState.MATERIALS_SENT, CaseState.ACCEPTED, CaseState.IN_REVIEW]))
        ).all():
            if case.state == CaseState.MATERIALS_SENT and returned_in_training(case.case_id):
                departments.set_case_status(session, case, "returned", RETURN_NOTE, actor="training-department")
                continue
            status = "accepted" if case.state == CaseState.MATERIALS_SENT else "completed"
            note = "（培训）部门已受理" if status == "accepted" else "（培训）已办结，证照将免费寄回"
            departments.set_case_status(session, case, status, note, actor="training-department")
        for case in session.scalars(
            select(Case).where(Case.flow == Flow.ONLINE, Case.state == CaseState.RECORDED)
        ).all():
            departments.set_case_status(session, case, "accepted", "（培训）部门已受理", actor="training-department")
        session.commit()


def _welcome_notice(sessions) -> None:
    with sessions() as session:
        if session.scalar(select(CountyEvent.id).where(CountyEvent.kind == "notice")) is None:
            publish_notice(
                session,
                "欢迎参加培训",
                "这是培训用的县级端。登记的办件会同步到这里，部门会自动受理、办结，"
                "偶尔也会退回，请按退回原因练习更正后重新送交。",
                point_code=None,
                actor="training",
            )
            session.commit()


def _exit_when_parent_goes(server) -> None:
    """The counter holds our stdin open; EOF means it has gone, however it ended: stop serving."""
    try:
        sys.stdin.read()
    finally:
        server.should_exit = True


def practice_images(database_url: str) -> Path:
    """The practice county's image store: beside its database file (never the working directory)."""
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        return Path(database_url.removeprefix("sqlite:///")).resolve().parent / "practice-evidence"
    return Path(tempfile.gettempdir()) / "suishenban-practice-evidence"


def serve_sandbox(database_url: str, host: str = "127.0.0.1", port: int = 0, *, watch_stdin: bool = False) -> int:
    engine = make_engine(database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    account_id = _practice_account(sessions)
    _welcome_notice(sessions)
    with sessions() as session:
        issued = admin.issue_activation_code(
            session,
            account_id,
            ttl=timedelta(hours=1),
            actor="training",
            override_reason="培训模式的练习账号，只连练习用的县级端",
        )
        session.commit()
    # Practice receipts carry a practice QR code; the practice ledger's sample week is recorded after it is
    # enrolled but dated before, so the enrolment check of the month rule is off here (docs/points.md).
    settings = Settings(
        database_url=database_url,
        qr_key=secrets.token_hex(32),
        query_url_base="http://127.0.0.1/ssb/q",
        clock=ClockRules(check_enrolment=False),
        pii_key=practice_pii_key(engine),
        evidence_dir=str(practice_images(database_url)),
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, engine),
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            access_log=False,
            **settings.uvicorn_proxy_options,
        )
    )
    stop = threading.Event()

    def announce_and_step() -> None:
        while not server.started and not stop.is_set():
            stop.wait(0.02)
        bound = server.servers[0].sockets[0].getsockname()[1]
        print(json.dumps({"base_url": f"http://{host}:{bound}", "activation_code": issued.code}), flush=True)
        while not stop.wait(STEP_SECONDS):
            _department_step(sessions)

    helper = threading.Thread(target=announce_and_step, daemon=True)
    helper.start()
    if watch_stdin:
        threading.Thread(target=_exit_when_parent_goes, args=(server,), daemon=True).start()
    try:
        server.run()
    finally:
        stop.set()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(serve_sandbox(sys.argv[1]))
