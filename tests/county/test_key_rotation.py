"""Changing the personal-data keys while the county serves: rows written before, during and after all open."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from county import cli as county_cli
from county.config import ConfigError
from county.models import Case, Consultation, LedgerEvent, PiiKey
from county.services import consultations, pii_keys
from county.services.pii import LOOKUP, SEAL, PiiBox, event_pii, new_key, sealed_key_no
from desktop.services.activation import activate, sync_client_for
from desktop.store.sync_port import StoreSyncPort
from sync.clock import china_now
from sync.engine import SyncEngine
from tests.county.conftest import new_point
from tests.factories import PASSWORD, make_case_draft, resident_id


def _record(store, order: int) -> str:
    id_number = resident_id(order=order)
    store.append(make_case_draft(name="程" + "一二三四五六七八九"[order % 9], id_number=id_number))
    report = SyncEngine(sync_client_for(store), StoreSyncPort(store), app_version="t").run()
    assert report.ok and report.accepted == 1
    return id_number


def _events(county) -> list[LedgerEvent]:
    with county.session() as session:
        return session.scalars(select(LedgerEvent).order_by(LedgerEvent.id)).all()


def _all_open(county, box: PiiBox, ids: list[str]) -> list[tuple[int, int]]:
    """(seal key, look-up key) of each event, after checking each opens and its look-up hash is right."""
    keys = []
    for row, id_number in zip(_events(county), ids, strict=True):
        assert event_pii(box, row)["id_number"] == id_number
        lookup_no = row.lookup_key or 1
        assert row.id_lookup == box.id_lookup("person", id_number, key_no=lookup_no)
        keys.append((sealed_key_no(row.pii_sealed), lookup_no))
    return keys


def test_data_keys_change_under_a_running_county_and_every_row_still_opens(county, tmp_path):
    old_master = county.settings.pii_key
    store = activate(county.base_url, new_point(county)["code"], tmp_path / "counter", PASSWORD).store
    try:
        ids = [_record(store, 1)]  # before
        admin = county.box
        with county.session() as session:  # a consultation's phone is sealed the same way
            asked, _code = consultations.create(
                session, lambda: admin, question="医保怎么续交？", phone="13907981122", source="phone"
            )
            session.commit()
            asked_id = asked.id
        with county.session() as session:
            assert pii_keys.new_data_key(session, admin, SEAL, actor="t") == 2
            assert pii_keys.new_data_key(session, admin, LOOKUP, actor="t") == 2
            session.commit()
        ids.append(_record(store, 2))  # during: the endpoint still seals with the keys it loaded
        assert _all_open(county, admin, ids) == [(1, 1), (1, 1)]
        with time_machine.travel(china_now() + timedelta(minutes=6)):  # past RING_REFRESH
            ids.append(_record(store, 3))  # the endpoint has taken up the new keys
            assert _all_open(county, admin, ids)[-1] == (2, 2)
            resealed = pii_keys.reseal(county.engine, admin, actor="t", batch=1)
            rehashed = pii_keys.rehash(county.engine, admin, actor="t", batch=1)
            assert (resealed.rows, resealed.key_no, rehashed.rows, rehashed.key_no) == (3, 2, 2, 2)
            ids.append(_record(store, 4))  # after
            assert _all_open(county, admin, ids) == [(2, 2)] * 4
            with county.session() as session:  # each case's copy of the hash (fraud rules) was rehashed too
                pairs = session.execute(
                    select(Case.id_lookup, LedgerEvent.id_lookup)
                    .join(LedgerEvent, LedgerEvent.event_id == Case.case_id)
                    .where(LedgerEvent.type == "case.recorded")
                ).all()
                assert len(pairs) == 4 and all(case == event and case for case, event in pairs)
            assert pii_keys.reseal(county.engine, admin, actor="t").rows == 0, "a second run finds nothing to do"
            with county.session() as session:
                phone = session.get(Consultation, asked_id).phone_sealed
                assert (
                    sealed_key_no(phone) == 2 and admin.open(phone, f"consult-{asked.ref}")["mobile"] == "13907981122"
                )
    finally:
        store.close()

    # the master key changes: the new one configured, the old one beside it while the data keys are re-wrapped
    new_master = new_key()
    with county.session() as session:
        rotating = pii_keys.attach(PiiBox(new_master, old_master), county.engine)
        assert pii_keys.rotate_master(session, rotating, actor="t") == 4
        session.commit()
        assert {row.master_id for row in session.scalars(select(PiiKey))} == {rotating.master.id}
    alone = pii_keys.attach(PiiBox(new_master), county.engine)
    assert _all_open(county, alone, ids) == [(2, 2)] * 4
    with pytest.raises(ConfigError, match="密钥不对"):
        pii_keys.attach(PiiBox(old_master), county.engine)


def test_a_first_start_with_the_wrong_master_key_is_refused_and_writes_no_ring(county, tmp_path):
    store = activate(county.base_url, new_point(county)["code"], tmp_path / "counter", PASSWORD).store
    try:
        _record(store, 7)
    finally:
        store.close()
    with county.session() as session:  # a county from before numbered keys: no ring yet
        session.query(PiiKey).delete()
        session.commit()
    with pytest.raises(ConfigError, match="密钥不对"):
        pii_keys.attach(PiiBox(new_key()), county.engine)
    with county.session() as session:
        assert session.scalars(select(PiiKey)).all() == []
    pii_keys.attach(PiiBox(county.settings.pii_key), county.engine)  # the right key makes data keys 1
    with county.session() as session:
        assert sorted((k.purpose, k.key_no) for k in session.scalars(select(PiiKey))) == [("lookup", 1), ("seal", 1)]


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_commands_walk_an_operator_through_a_rotation(county, tmp_path, monkeypatch, capsys):
    store = activate(county.base_url, new_point(county)["code"], tmp_path / "counter", PASSWORD).store
    try:
        _record(store, 9)
    finally:
        store.close()
    url = str(county.engine.url)
    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY", county.settings.pii_key)
    assert county_cli.main(["--db", url, "new-data-key", "seal"]) == 0
    assert "加密密钥 2" in capsys.readouterr().out
    assert county_cli.main(["--db", url, "reseal-pii"]) == 0
    assert "重新加密 1 条" in capsys.readouterr().out
    new_master = new_key()
    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY", new_master)
    assert county_cli.main(["--db", url, "pii-keys"]) == 1, "the new key alone opens nothing yet"
    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY_PREVIOUS", county.settings.pii_key)
    assert county_cli.main(["--db", url, "rotate-master-key"]) == 0
    monkeypatch.delenv("SUISHENBAN_COUNTY_PII_KEY_PREVIOUS")
    capsys.readouterr()
    assert county_cli.main(["--db", url, "pii-keys"]) == 0
    listing = capsys.readouterr().out
    assert "加密密钥 2" in listing and "1 条记录" in listing and "（旧）" not in listing
    assert county_cli.main(["--db", url, "check-pii-key"]) == 0
