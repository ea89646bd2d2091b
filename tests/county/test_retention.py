"""Retention: after the period, closed cases lose their personal fields; counts, points and chains stay."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from county import cli as county_cli
from county.models import AuditLog, Case, LedgerEvent, Point
from county.services import points, retention
from county.services.pii import PiiBox, event_pii
from desktop.services.activation import activate, sync_client_for
from desktop.store.opening import open_store
from desktop.store.sync_port import StoreSyncPort
from sync.engine import SyncEngine
from sync.ledger.catalogue import load_catalogue
from sync.ledger.forms import draft_complete
from sync.ledger.forms_mailing import draft_delivered, draft_dispatch
from tests.county.conftest import new_point
from tests.county.test_pii_at_rest import ID_NUMBER, NAME, realistic_sync
from tests.factories import PASSWORD, make_case_draft, make_mailing_draft, resident_id

OPEN_NAME, OPEN_ID = "汪春兰", resident_id(order=301)
DAYS = 3 * 365


@pytest.fixture
def synced(county, tmp_path):
    """A payment case done on the spot, an approval case still open, a mailing delivered and one on its way."""
    setup = new_point(county)
    store = activate(county.base_url, setup["code"], tmp_path / "counter", PASSWORD).store
    try:
        materials = {m.code: "received" for m in load_catalogue().by_code("FL015").guide.materials}
        to_citizen = {"direction": "to_citizen", "unit_code": "", "recipient_mobile": "13807986543"}
        closed, opened, delivered, _on_its_way = store.append(
            make_case_draft(name=NAME, id_number=ID_NUMBER),
            make_case_draft(item_code="FL015", amount=None, materials=materials, name=OPEN_NAME, id_number=OPEN_ID),
            make_mailing_draft(**to_citizen, recipient_name="程建国", recipient_address="浮梁县瑶里镇汪湖村五组十二号"),
            make_mailing_draft(**to_citizen, recipient_name="程建华", recipient_address="浮梁县瑶里镇汪湖村六组三号"),
        )
        mailing_id = delivered.body["mailing_id"]
        store.append(draft_complete(closed.body["case_id"]))
        store.append(draft_dispatch(mailing_id, "1180012345678"))
        store.append(draft_delivered(mailing_id))
        assert SyncEngine(sync_client_for(store), StoreSyncPort(store), app_version="t").run().accepted == 7
    finally:
        store.close()
    return closed.body["case_id"], opened.body["case_id"], mailing_id


def _rows(county) -> dict[str, LedgerEvent]:
    with county.session() as session:
        return {row.event_id: row for row in session.scalars(select(LedgerEvent))}


def _books(county) -> tuple:
    """What must not change: the cases as counted and the points statement of every point."""
    with county.session() as session:
        cases = session.execute(
            select(Case.case_id, Case.state, Case.points, Case.credit_month, Case.item_code).order_by(Case.case_id)
        ).all()
        statements = [points.statement_payload(session, p) for p in session.scalars(select(Point).order_by(Point.id))]
        return cases, statements


def test_inside_the_period_nothing_is_purged(county, synced):
    before = _rows(county)
    done = retention.purge_expired(county.engine, today=date(2027, 11, 27), retention_days=DAYS, actor="t")
    assert (done.events, done.kept) == (0, sum(1 for r in before.values() if r.pii_sealed))
    after = _rows(county)
    assert {k: r.pii_sealed for k, r in after.items()} == {k: r.pii_sealed for k, r in before.items()}


def test_after_the_period_closed_cases_lose_personal_fields_and_the_books_stay(county, synced):
    closed_case_id, open_case_id, delivered_id = synced
    books = _books(county)
    with county.session() as session:
        assert session.get(Case, closed_case_id).state == "completed", "the payment is done on the spot"
        assert session.get(Case, open_case_id).state == "recorded"
    box = PiiBox(county.settings.pii_key)

    done = retention.purge_expired(county.engine, today=date(2030, 1, 4), retention_days=DAYS, actor="t")

    rows = _rows(county)
    by_case = {}
    for row in rows.values():
        by_case.setdefault(row.body.get("case_id"), []).append(row)
    subjects = by_case[closed_case_id] + [r for r in rows.values() if r.body.get("mailing_id") == delivered_id]
    purged = [r for r in subjects if r.pii_digests]  # the 登记 events; completing and dispatching carry none
    assert len(purged) == 2
    for row in purged:
        assert (row.pii, row.pii_sealed, row.id_lookup, row.pii_salt) == (None, None, None, None)
        assert row.pii_digests, "the digests the chain covers stay"
    kept = by_case[open_case_id]
    assert event_pii(box, kept[0])["name"] == OPEN_NAME and kept[0].id_lookup
    with county.session() as session:  # the case's copy of the look-up hash (fraud rules) goes with the event's
        assert session.get(Case, closed_case_id).id_lookup is None
        assert session.get(Case, open_case_id).id_lookup == kept[0].id_lookup
    mailing = [r for r in rows.values() if r.body.get("mailing_id") not in (None, delivered_id)]
    assert mailing and all(r.pii_sealed for r in mailing), "a mailing not yet delivered keeps its address"
    assert done.events == len(purged) and done.kept == len(kept) + len(mailing)
    assert _books(county) == books, "counts and points are the same after the purge"
    with county.session() as session:
        raw = " ".join(str(v) for r in session.execute(select(LedgerEvent.__table__)).all() for v in r)
        assert ID_NUMBER not in raw and NAME not in raw
        audit = session.scalar(select(AuditLog).where(AuditLog.action == "pii.purge"))
        assert audit.detail["purged"] == done.events and "王" not in str(audit.detail)


def test_the_chain_goes_on_after_a_purge(county, synced, tmp_path):
    """The device's next push is checked against the stored hashes, which a purge never touches."""
    retention.purge_expired(county.engine, today=date(2030, 1, 4), retention_days=DAYS, actor="t")
    store, _report = open_store(tmp_path / "counter", PASSWORD)
    try:
        store.append(make_case_draft(name="程冬生", id_number=resident_id(order=555)))
        report = SyncEngine(sync_client_for(store), StoreSyncPort(store), app_version="t").run()
    finally:
        store.close()
    assert report.ok and report.accepted == 1
    with county.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 3


def test_a_rejected_record_ages_by_when_the_county_received_it(county, tmp_path):
    _device_id, [rejected] = realistic_sync(county, tmp_path)
    assert _rows(county)[rejected].pii_sealed
    retention.purge_expired(county.engine, today=date(2027, 11, 27), retention_days=DAYS, actor="t")
    assert _rows(county)[rejected].pii_sealed, "inside the period"
    retention.purge_expired(county.engine, today=date(2030, 1, 4), retention_days=DAYS, actor="t")
    assert _rows(county)[rejected].pii_sealed is None


def test_a_second_run_purges_nothing_more(county, synced):
    first = retention.purge_expired(county.engine, today=date(2030, 1, 4), retention_days=DAYS, actor="t", batch=1)
    second = retention.purge_expired(county.engine, today=date(2030, 1, 4), retention_days=DAYS, actor="t")
    assert first.events > 0 and second.events == 0 and second.kept == first.kept


def test_the_command_purges_and_refuses_a_period_too_short(county, synced, capsys, monkeypatch):
    url = str(county.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY", county.settings.pii_key)
    assert county_cli.main(["--db", url, "purge-pii", "--days", "7"]) == 1
    assert "至少 30 天" in capsys.readouterr().out
    assert county_cli.main(["--db", url, "purge-pii"]) == 0
    assert "不受影响" in capsys.readouterr().out  # inside the 3-year default: nothing purged today
    with county.session() as session:
        assert session.scalar(select(func.count()).where(LedgerEvent.pii_sealed.is_not(None))) >= 3


def test_the_period_comes_from_the_environment_and_nonsense_is_refused(monkeypatch):
    from county.config import ConfigError, Settings

    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_RETENTION_DAYS", "730")
    assert Settings.from_env().pii_retention_days == 730
    monkeypatch.delenv("SUISHENBAN_COUNTY_PII_RETENTION_DAYS")
    assert Settings.from_env().pii_retention_days == DAYS
    for bad in ("7", "三年", "-5"):
        monkeypatch.setenv("SUISHENBAN_COUNTY_PII_RETENTION_DAYS", bad)
        with pytest.raises(ConfigError, match="保存天数"):
            Settings.from_env()


def test_an_answered_consultations_phone_goes_after_the_period_an_open_ones_stays(county):
    from county.models import Consultation
    from county.services import consultations
    from county.services.scope import Scope
    from county.services.staff import StaffRole

    with county.session() as session:
        answered, _ = consultations.create(
            session, lambda: county.box, question="老人医保怎么续交？", phone="13907981122", source="phone"
        )
        waiting, _ = consultations.create(
            session, lambda: county.box, question="营业执照多久能办好？", phone="13807986543", source="phone"
        )
        session.flush()
        consultations.answer(session, Scope(StaffRole.BUREAU_CLERK), answered.id, "可在代办点代缴。", actor="t")
        session.commit()
        ids = answered.id, waiting.id
    assert retention.purge_expired(county.engine, today=date(2027, 11, 27), retention_days=DAYS, actor="t").phones == 0
    done = retention.purge_expired(county.engine, today=date(2030, 1, 4), retention_days=DAYS, actor="t")
    with county.session() as session:
        answered, waiting = (session.get(Consultation, i) for i in ids)
        assert done.phones == 1 and answered.phone_sealed is None and answered.answer
        assert county.box.open(waiting.phone_sealed, f"consult-{waiting.ref}")["mobile"] == "13807986543"
