"""Security at the endpoint: every refusal stores nothing and tells the client plainly."""

from __future__ import annotations

import gzip
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from county.models import ActivationCode, Device, LedgerEvent, TamperFlag
from county.services import departments, revocation
from desktop.services.activation import activate, sync_client_for
from desktop.store.sync_port import StoreSyncPort
from sync.client import AuthRefused, SyncClient
from sync.engine import SyncEngine
from sync.ledger.events import china_now, format_time
from sync.wire import EnrolRequest, PushRequest, event_to_wire
from tests.county.conftest import new_point
from tests.factories import PASSWORD, make_case_draft


def enrol_request(code: str) -> EnrolRequest:
    return EnrolRequest(
        activation_code=code, device_label="test", app_version="test", device_time=format_time(china_now())
    )


def events_stored(county) -> int:
    with county.session() as session:
        return session.scalar(select(func.count()).select_from(LedgerEvent))


def two_points(county, tmp_path):
    a, b = new_point(county, name="甲村小卖部"), new_point(county, name="乙村便利店")
    store_a = activate(county.base_url, a["code"], tmp_path / "a", PASSWORD).store
    store_b = activate(county.base_url, b["code"], tmp_path / "b", PASSWORD).store
    return store_a, store_b


def test_an_activation_code_works_once(county):
    code = new_point(county)["code"]
    client = SyncClient(county.base_url)
    client.enrol(enrol_request(code))
    with pytest.raises(Exception) as info:
        client.enrol(enrol_request(code))
    assert "已经用过" in info.value.message


def test_an_expired_activation_code_is_refused(county):
    setup = new_point(county)
    with county.session() as session:
        row = session.scalar(select(ActivationCode))
        row.expires_at = row.created_at - timedelta(minutes=1)
        session.commit()
    with pytest.raises(Exception) as info:
        SyncClient(county.base_url).enrol(enrol_request(setup["code"]))
    assert "过期" in info.value.message
    with county.session() as session:
        assert session.scalar(select(func.count()).select_from(Device)) == 0


def test_guessing_activation_codes_is_rate_limited(county):
    client = SyncClient(county.base_url)
    for n in range(county.settings.limits.enrol_failures_per_window):
        with pytest.raises(Exception):
            client.enrol(enrol_request(f"AAAA-BBBB-{n:04d}"))
    good = new_point(county)["code"]
    with pytest.raises(Exception) as info:  # even a good code waits once this install reached the limit
        client.enrol(enrol_request(good))
    assert info.value.code == "rate_limited" and info.value.retry_after


def test_a_device_cannot_push_as_another_device(county, tmp_path):
    store_a, store_b = two_points(county, tmp_path)
    try:
        (ev,) = store_b.append(make_case_draft())
        request = PushRequest(
            device_id=store_b.identity.device_id,
            from_seq=1,
            prev_hash=ev.prev_hash,
            head_hash=ev.hash,
            events=[event_to_wire(ev)],
            app_version="test",
        )
        client_a = sync_client_for(store_a)
        with pytest.raises(AuthRefused):
            client_a.push(request)  # A's credential, B's device id
        token_a = client_a.device_token.split(".", 1)[1]
        forged = SyncClient(county.base_url, f"{store_b.identity.device_id}.{token_a}")
        with pytest.raises(AuthRefused):
            forged.push(request)  # B's id with A's secret
        assert events_stored(county) == 0
    finally:
        store_a.close(), store_b.close()


def test_a_case_with_another_points_receipt_number_is_rejected(county, tmp_path):
    store_a, store_b = two_points(county, tmp_path)
    try:
        (ev_b,) = store_b.append(make_case_draft())
        foreign = make_case_draft()
        foreign = type(foreign)(foreign.type, {**foreign.body, "receipt_no": ev_b.body["receipt_no"]}, foreign.pii)
        store_a.append(foreign)  # A's counter writes B's receipt number into its own ledger
        report = SyncEngine(sync_client_for(store_a), StoreSyncPort(store_a), app_version="t").run()
        assert report.rejected == 1 and report.accepted == 0
        ((quarantined, reason),) = StoreSyncPort(store_a).rejected()
        assert "回执编号" in reason
    finally:
        store_a.close(), store_b.close()


def test_a_device_reads_only_its_own_points_feed(county, tmp_path):
    store_a, store_b = two_points(county, tmp_path)
    try:
        (ev,) = store_b.append(make_case_draft(item_code="FL011", amount=None))
        SyncEngine(sync_client_for(store_b), StoreSyncPort(store_b), app_version="t").run()
        with county.session() as session:
            case = departments.find_case(session, store_b.identity.point_code, ev.body["receipt_no"])
            departments.set_case_status(session, case, "accepted", "", actor="县医保局")
            session.commit()
        assert sync_client_for(store_a).pull(0).items == []
        assert [i.kind for i in sync_client_for(store_b).pull(0).items] == ["case_status"]
    finally:
        store_a.close(), store_b.close()


def test_a_revoked_point_is_refused_at_once(county, tmp_path):
    setup = new_point(county)
    store = activate(county.base_url, setup["code"], tmp_path / "d", PASSWORD).store
    try:
        with county.session() as session:
            revocation.revoke_point(session, setup["point_code"], "撤销代办点", actor="test")
            session.commit()
        with pytest.raises(AuthRefused) as info:
            sync_client_for(store).pull(0)
        assert info.value.code == "point_revoked"
    finally:
        store.close()


def test_a_restored_old_backup_is_detected_as_a_conflict_and_flagged(county, tmp_path):
    setup = new_point(county)
    store = activate(county.base_url, setup["code"], tmp_path / "e", PASSWORD).store
    try:
        store.append(make_case_draft())
        backup = store.backup("test")
        store.append(make_case_draft())
        assert SyncEngine(sync_client_for(store), StoreSyncPort(store), app_version="t").run().accepted == 2
        folder, unlocked = store.layout.folder, store._unlocked
        store.close()
        # the old backup goes back in place, and a different second case is recorded
        import shutil

        for path in (store.layout.database, *store.layout.sidecars()):
            path.unlink(missing_ok=True)
        shutil.copyfile(backup.path, store.layout.database)
        from desktop.store.opening import open_store

        store, _ = open_store(folder, unlocked=unlocked)
        StoreSyncPort(store).requeue_from(2)
        store.append(make_case_draft())
        report = SyncEngine(sync_client_for(store), StoreSyncPort(store), app_version="t").run()
        assert report.error is not None and report.error.code == "conflict"
        with county.session() as session:
            flags = session.scalars(select(TamperFlag)).all()
            assert len(flags) == 1 and flags[0].seq == 2
            assert session.scalar(select(Device)).tampered
        assert events_stored(county) == 2
    finally:
        store.close()


def test_unauthenticated_and_malformed_credentials_are_refused(county):
    for header in (None, "Bearer x", "Device short.token", "Device " + "a" * 32 + ".wrong"):
        headers = {"Authorization": header} if header else {}
        response = requests.get(f"{county.base_url}/api/v1/pull", headers=headers, timeout=10)
        assert response.status_code == 401 and response.json()["error"]["message"]
    body = gzip.compress(b'{"device_id":"x"}')
    response = requests.post(
        f"{county.base_url}/api/v1/push",
        data=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code in (401, 422)
    assert events_stored(county) == 0
