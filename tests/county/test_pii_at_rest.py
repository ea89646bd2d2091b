"""Personal fields at rest at the county: after a realistic sync, no villager's data in clear in the database."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, text, update

from county import cli as county_cli
from county.models import AuditLog, LedgerEvent
from county.services.pii import event_pii, new_key
from county.services.pii_migrate import encrypt_clear_rows
from desktop.services.activation import activate, sync_client_for
from desktop.store.sync_port import StoreSyncPort
from sync.engine import SyncEngine
from sync.ledger.chain import seal
from sync.wire import PushRequest, event_to_wire
from tests.county.conftest import new_point
from tests.factories import PASSWORD, make_case_draft, make_mailing_draft, resident_id

NAME, ID_NUMBER, MOBILE = "程桂花", resident_id(birth=date(1939, 11, 5), order=2), "13907981122"
ORG, CREDIT_CODE = "瑶里镇汪湖村股份经济合作社", "N2360222MA35L7Q8X0"
ADDRESS, RECIPIENT, RECIPIENT_MOBILE = "浮梁县瑶里镇汪湖村五组十二号", "程建国", "13807986543"
REJECTED_NAME, REJECTED_ID = "舒冬梅", resident_id(birth=date(1961, 2, 3), order=77)
SECRETS = (NAME, ID_NUMBER, MOBILE, ADDRESS, RECIPIENT, RECIPIENT_MOBILE, REJECTED_NAME, REJECTED_ID)


def realistic_sync(county, tmp_path) -> tuple[str, list[str]]:
    """A counter records a person's case, a mailing back to a villager, and pushes one event the county rejects."""
    setup = new_point(county)
    store = activate(county.base_url, setup["code"], tmp_path / "counter", PASSWORD).store
    try:
        store.append(make_case_draft(name=NAME, id_number=ID_NUMBER, mobile=MOBILE))
        store.append(
            make_mailing_draft(
                direction="to_citizen",
                unit_code="",
                recipient_name=RECIPIENT,
                recipient_mobile=RECIPIENT_MOBILE,
                recipient_address=ADDRESS,
            )
        )
        report = SyncEngine(sync_client_for(store), StoreSyncPort(store), app_version="t").run()
        assert report.ok and report.accepted == 2
        device_id = store.identity.device_id
        with county.session() as session:
            prev = session.scalar(select(LedgerEvent.hash).where(LedgerEvent.seq == 2))
        draft = make_case_draft(name=REJECTED_NAME, id_number=REJECTED_ID, mobile=MOBILE)
        bad = seal(replace(draft, body={**draft.body, "village": "\u200b"}), device_id=device_id, seq=3, prev_hash=prev)
        request = PushRequest(
            device_id=device_id,
            from_seq=3,
            prev_hash=prev,
            head_hash=bad.hash,
            events=[event_to_wire(bad)],
            app_version="t",
        )
        from desktop.store.engine import read
        from desktop.store.ledger import get_meta

        with read(store.engine) as conn:
            token = get_meta(conn)["device_token"]
        answer = requests.post(
            f"{county.base_url}/api/v1/push",
            data=request.model_dump_json(),
            timeout=10,
            headers={"Authorization": f"Device {token}"},
        ).json()
        assert answer["rejected"][0]["seq"] == 3
        return device_id, [bad.event_id]
    finally:
        store.close()


def clear_values_in(blob: bytes) -> list[str]:
    """The secrets found in ``blob`` as UTF-8, or as JSON spells them with ASCII escapes (\\u7a0b…), or as
    pg_dump's COPY text doubles those backslashes."""

    def forms(value: str) -> tuple[bytes, ...]:
        escaped = json.dumps(value)[1:-1].encode("ascii")
        return value.encode("utf-8"), escaped, escaped.replace(b"\\", b"\\\\")

    return [value for value in SECRETS if any(form in blob for form in forms(value))]


def database_bytes(county) -> bytes:
    path = Path(county.engine.url.database)
    county.engine.dispose()  # every connection closed: what is on disk is all there is
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def pg_dump(county) -> bytes:
    with county.engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar()
    dump = shutil.which("pg_dump") or "/usr/bin/pg_dump"
    database = county.engine.url.database
    done = subprocess.run(
        [dump, "--host=127.0.0.1", "--username=postgres", f"--dbname={database}", f"--schema={schema}", "--data-only"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert b"COPY" in done.stdout and b"ledger_event" in done.stdout
    return done.stdout


def dumped(county) -> bytes:
    return database_bytes(county) if county.engine.dialect.name == "sqlite" else pg_dump(county)


def test_after_a_realistic_sync_no_personal_data_is_in_clear_in_the_database(county, tmp_path):
    realistic_sync(county, tmp_path)
    blob = dumped(county)
    assert "瑶里村小卖部".encode() in blob and "个体工商户设立登记申请材料".encode() in blob  # the scan sees text
    assert clear_values_in(blob) == []
    with county.session() as session:  # sealed, not lost: the key opens every event's fields, rejected too
        rows = session.scalars(select(LedgerEvent).order_by(LedgerEvent.seq)).all()
        opened = [event_pii(county.box, row) for row in rows]
        assert [row.status for row in rows] == ["accepted", "accepted", "rejected"]
        assert (opened[0]["name"], opened[0]["id_number"], opened[0]["mobile"]) == (NAME, ID_NUMBER, MOBILE)
        assert opened[1]["recipient_address"] == ADDRESS and opened[2]["id_number"] == REJECTED_ID
        assert all(row.pii is None for row in rows)
        found = session.scalars(
            select(LedgerEvent.seq).where(LedgerEvent.id_lookup == county.box.id_lookup("person", ID_NUMBER))
        ).all()
        assert found == [1]  # the keyed hash finds a person's records without decrypting anything
    if county.engine.dialect.name == "sqlite" and os.name == "posix":
        path = Path(county.engine.url.database)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_encrypt_pii_seals_the_rows_kept_in_clear_before_the_upgrade(county, tmp_path, monkeypatch, capsys):
    realistic_sync(county, tmp_path)
    with county.session() as session:  # as rows written before migration 0004 hold them
        for row in session.scalars(select(LedgerEvent)).all():
            clear = event_pii(county.box, row)
            session.execute(
                update(LedgerEvent).where(LedgerEvent.id == row.id).values(pii=clear, pii_sealed=None, id_lookup=None)
            )
        session.commit()
    assert set(clear_values_in(dumped(county))) == set(SECRETS)  # the test sees clear data when it is there

    if county.engine.dialect.name == "sqlite":
        monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY", county.settings.pii_key)
        assert county_cli.main(["--db", str(county.engine.url), "encrypt-pii", "--batch", "2"]) == 0
        assert "已加密 3 条记录" in capsys.readouterr().out
    else:  # the fixture's schema travels in the engine's connect options, not its URL: the command's service
        assert encrypt_clear_rows(county.engine, county.box, actor="test", batch=2).rows == 3
    assert clear_values_in(dumped(county)) == []
    with county.session() as session:
        rows = session.scalars(select(LedgerEvent).order_by(LedgerEvent.seq)).all()
        assert [event_pii(county.box, row)["id_number"] for row in (rows[0], rows[2])] == [ID_NUMBER, REJECTED_ID]
        assert rows[0].id_lookup == county.box.id_lookup("person", ID_NUMBER)
        audit = session.scalar(select(AuditLog).where(AuditLog.action == "pii.encrypt"))
        assert audit.detail == {"rows": 3, "batches": 2}
    assert encrypt_clear_rows(county.engine, county.box, actor="test").rows == 0  # again: nothing left to do


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_encrypt_pii_without_the_key_changes_nothing(county, monkeypatch, capsys):
    monkeypatch.delenv("SUISHENBAN_COUNTY_PII_KEY", raising=False)
    monkeypatch.delenv("SUISHENBAN_COUNTY_PII_KEY_FILE", raising=False)
    assert county_cli.main(["--db", str(county.engine.url), "encrypt-pii"]) == 1
    assert "SUISHENBAN_COUNTY_PII_KEY" in capsys.readouterr().out


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_check_pii_key_tells_the_right_key_from_a_wrong_one(county, tmp_path, monkeypatch, capsys):
    realistic_sync(county, tmp_path)
    url = str(county.engine.url)
    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY", county.settings.pii_key)
    assert county_cli.main(["--db", url, "check-pii-key"]) == 0
    assert "密钥正确：最近 3 条" in capsys.readouterr().out
    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY", new_key())
    assert county_cli.main(["--db", url, "check-pii-key"]) == 1
    assert "这个个人信息密钥不对" in capsys.readouterr().out  # it does not open the database's data keys
