"""The hash-chained audit log: appends chain, edits and deletions are found, two appenders never fork it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select, update

from county.admin_cli import run
from county.config import Settings
from county.db import session_factory
from county.models import AuditHead, AuditLog
from county.services import audit_chain
from county.services.common import audit


def _write(engine, count: int, actor: str = "cli:test") -> None:
    with session_factory(engine)() as session:
        for n in range(count):
            audit(session, actor, "test.write", f"thing:{n}", before={"n": n}, after={"n": n + 1})
        session.commit()


def _verdict(engine) -> audit_chain.Verdict:
    with session_factory(engine)() as session:
        return audit_chain.verify(session)


def test_rows_chain_and_verify(county_engine):
    _write(county_engine, 5)
    _write(county_engine, 3)
    verdict = _verdict(county_engine)
    assert verdict.ok and verdict.rows == 8, verdict
    with session_factory(county_engine)() as session:
        rows = session.scalars(select(AuditLog).order_by(AuditLog.seq)).all()
        assert [r.seq for r in rows] == list(range(1, 9))
        assert rows[0].prev_hash == audit_chain.GENESIS
        assert all(b.prev_hash == a.row_hash for a, b in zip(rows, rows[1:], strict=False))


@pytest.mark.parametrize(
    "tamper, bad_seq",
    [
        (update(AuditLog).where(AuditLog.seq == 3).values(target="thing:99"), 3),
        (update(AuditLog).where(AuditLog.seq == 2).values(detail={"before": {"n": 7}}), 2),
        (delete(AuditLog).where(AuditLog.seq == 4), 4),
        (delete(AuditLog).where(AuditLog.seq == 6), 6),  # the newest row: the head still names it
        (update(AuditHead).values(seq=5), 6),
    ],
)
def test_an_edited_or_deleted_row_is_found(county_engine, tamper, bad_seq):
    _write(county_engine, 6)
    with county_engine.begin() as conn:
        conn.execute(tamper)
    verdict = _verdict(county_engine)
    assert not verdict.ok and verdict.bad_seq == bad_seq, verdict
    assert "被改动过" in verdict.words()


@pytest.mark.parametrize("county_engine", ["postgresql"], indirect=True)
def test_two_appenders_at_once_on_postgresql_never_fork_the_chain(county_engine):
    """Two app instances share one database: each appends in its own transactions, at the same time."""
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def appender(name: str) -> None:
        try:
            start.wait()
            for _ in range(25):
                _write(county_engine, 2, actor=name)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=appender, args=(f"staff:{n}",)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    verdict = _verdict(county_engine)
    assert verdict.ok and verdict.rows == 100, verdict


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_audit_verify_command_says_whether_the_log_is_intact(county_engine, capsys):
    _write(county_engine, 3)
    settings = Settings(database_url=str(county_engine.url))
    args = type("Args", (), {"command": "audit-verify"})()
    assert run(args, settings) == 0
    assert "审计日志完整：3 条" in capsys.readouterr().out
    with county_engine.begin() as conn:
        conn.execute(update(AuditLog).where(AuditLog.seq == 2).values(actor="staff:someone"))
    assert run(args, settings) == 1
    assert "第 2 条起核对不上" in capsys.readouterr().out


def test_the_migration_chains_the_rows_written_before_it(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from county.db import alembic_config, make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0006_lookup")
    with engine.begin() as conn:
        for n in range(3):
            conn.execute(
                text(
                    "INSERT INTO audit_log (actor, action, target, detail, at, role, ip) "
                    "VALUES (:actor, 'point.create', :target, :detail, :at, NULL, NULL)"
                ),
                {
                    "actor": "cli:old",
                    "target": f"point:{n}",
                    "detail": '{"name": "老代办点"}',
                    "at": f"2026-11-2{n} 01:02:03.456789",
                },
            )
    upgrade(engine)
    assert _verdict(engine).ok and _verdict(engine).rows == 3
    _write(engine, 2)
    assert _verdict(engine).ok and _verdict(engine).rows == 5
    engine.dispose()
