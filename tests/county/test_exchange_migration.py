"""Migration 0013 on a county that already holds cases: each case gets its place in the change sequence (in the
order it was recorded) and each case event the case it is about, so a new client's first walk sees them all."""

from __future__ import annotations

import secrets

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session

from county.db import alembic_config, make_engine, upgrade
from county.models import Account
from county.services import admin
from tests.county.conftest import PG_UNAVAILABLE
from tests.county.db_templates import PG_URL

CASE_COLUMNS = (
    "case_id, point_id, device_id, receipt_no, item_code, flow, points, mode, applicant_kind, state, "
    "business_date, recorded_at, disqualified"
)
EVENT_COLUMNS = (
    "device_id, point_id, seq, event_id, type, occurred_at, received_at, month, body, pii_digests, hash, status"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_before_0013(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'county.db'}")
        command.upgrade(alembic_config(engine), "0007_department_work")  # the revision before 0013
        yield engine
        engine.dispose()
        return
    if PG_UNAVAILABLE:
        pytest.skip(PG_UNAVAILABLE)
    schema = f"t_{secrets.token_hex(6)}"
    admin = make_engine(PG_URL, pool_size=1, max_overflow=0)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        command.upgrade(alembic_config(engine), "0007_department_work")  # the revision before 0013
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_the_migration_places_existing_cases_in_the_sequence(engine_before_0013):
    engine = engine_before_0013
    recorded = {"b" * 32: "2026-11-20T09:00:00.000+08:00", "a" * 32: "2026-11-21T09:00:00.000+08:00"}
    with Session(engine) as session:  # the tables these services write are the same before 0013
        admin.create_township(session, "瑶里镇", actor="test")
        point = admin.create_point(session, "瑶里村小卖部", "瑶里镇", actor="test")
        account = Account(point_id=point.id, name="王秀英", created_at=point.created_at)  # no training tables yet
        session.add(account)
        session.flush()
        session.commit()
        point_id, account_id = point.id, account.id
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO device (id, point_id, account_id, device_no, token_hash, label, state, app_version, "
                "enrolled_at, head_seq, head_hash, tampered, clock_wrong) VALUES (:dev, :point, :account, 1, :h, "
                "'', 'active', '', '2026-11-20 01:00:00+00', 2, :h, false, false)"
            ),
            {"dev": "d" * 32, "point": point_id, "account": account_id, "h": "0" * 64},
        )
        for n, (case_id, at) in enumerate(recorded.items(), start=1):
            connection.execute(
                text(
                    f"INSERT INTO \"case\" ({CASE_COLUMNS}) VALUES (:id, 1, :dev, :no, 'FL012', 'payment', 3, "
                    f"'point', 'person', 'recorded', '2026-11-20', :at, false)"
                ),
                {"id": case_id, "dev": "d" * 32, "no": f"0427-261120-100{n}-0", "at": at},
            )
            connection.execute(
                text(
                    f"INSERT INTO ledger_event ({EVENT_COLUMNS}) VALUES (:dev, 1, :seq, :eid, 'case.recorded', :at, "
                    f"'2026-11-20 01:00:00+00', '2026-11', :body, '{{}}', :hash, 'accepted')"
                ),
                {
                    "dev": "d" * 32,
                    "seq": n,
                    "eid": f"{n:032d}",
                    "at": at,
                    "body": f'{{"case_id": "{case_id}"}}',
                    "hash": f"{n:064d}",
                },
            )
    upgrade(engine)
    with engine.connect() as connection:
        places = dict(connection.execute(text('SELECT case_id, change_seq FROM "case"')).all())
        events = dict(connection.execute(text("SELECT event_id, case_id FROM ledger_event")).all())
        counter = connection.execute(text("SELECT value FROM change_counter WHERE id = 1")).scalar()
    assert places == {"b" * 32: 1, "a" * 32: 2} and counter == 2
    assert events == {f"{1:032d}": "b" * 32, f"{2:032d}": "a" * 32}
