"""The local ledger: one transaction per action, gap-free chained log, outbox, projections, receipts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from desktop.store.engine import read, write
from desktop.store.schema import case, day_total, event, mailing, outbox
from sync.clock import china_today
from sync.ledger.chain import GENESIS_HASH
from sync.ledger.forms import draft_complete, draft_dispatch, draft_void
from sync.ledger.kinds import CaseState, EventType
from sync.ledger.lifecycle import LifecycleError
from sync.ledger.receipts import parse_receipt_no
from tests.factories import make_case_draft, make_mailing_draft, reopen

pytestmark = pytest.mark.date_sensitive


def case_row(store, case_id):
    with read(store.engine) as conn:
        return conn.execute(select(case).where(case.c.case_id == case_id)).mappings().one()


def table_dump(store, table):
    with read(store.engine) as conn:
        return sorted(tuple(r) for r in conn.execute(select(table)).all())


def test_a_recorded_case_gets_seq_receipt_outbox_and_projection(store):
    (ev,) = store.append(make_case_draft())
    assert ev.seq == 1 and ev.prev_hash == GENESIS_HASH
    receipt = parse_receipt_no(ev.body["receipt_no"])
    assert (receipt.point_code, receipt.business_date, receipt.device_no, receipt.serial) == (
        "0427",
        china_today(),
        1,
        1,
    )
    row = case_row(store, ev.body["case_id"])
    assert row["state"] == CaseState.RECORDED and row["amount_fen"] == 5000 and row["name"] == "王秀英"
    assert store.outbox_counts() == {"pending": 1}
    assert [e.event_id for e in store.pending_events()] == [ev.event_id]


def test_receipt_serials_count_up_per_day_and_restart_the_next_day(store):
    numbers = [store.append(make_case_draft())[0].body["receipt_no"] for _ in range(3)]
    today, tomorrow = china_today(), china_today() + timedelta(days=1)
    numbers.append(store.append(make_case_draft(business_date=tomorrow))[0].body["receipt_no"])
    serials = [(parse_receipt_no(n).business_date, parse_receipt_no(n).serial) for n in numbers]
    assert serials == [(today, 1), (today, 2), (today, 3), (tomorrow, 1)]


def test_sequence_is_gap_free_and_the_chain_verifies(store):
    for _ in range(5):
        store.append(make_case_draft())
    assert [e.seq for e in store.events()] == [1, 2, 3, 4, 5]
    assert store.verify() == store.head()


def test_several_drafts_are_one_transaction_and_an_illegal_one_writes_nothing(store):
    (recorded,) = store.append(make_case_draft())
    case_id = recorded.body["case_id"]
    head_before, outbox_before = store.head(), store.outbox_counts()
    with pytest.raises(LifecycleError):
        # voided, then completed: the second is illegal, so the first must not stay either
        store.append(make_case_draft(), draft_void(case_id, "录错了事项"), draft_complete(case_id))
    assert store.head() == head_before and store.outbox_counts() == outbox_before
    assert case_row(store, case_id)["state"] == CaseState.RECORDED
    # the receipt serial taken inside the failed transaction is not burnt either
    (again,) = store.append(make_case_draft())
    assert parse_receipt_no(again.body["receipt_no"]).serial == 2


def test_lifecycle_is_enforced_at_the_store(store, catalogue):
    (approval,) = store.append(make_case_draft(catalogue, **approval_fields(catalogue)))
    with pytest.raises(LifecycleError, match="部门"):
        store.append(draft_complete(approval.body["case_id"]))


def approval_fields(catalogue):
    item = catalogue.by_code("FL015")
    return dict(
        item_code="FL015",
        amount=None,
        materials={m.code: "received" for m in item.guide.materials},
    )


def test_day_totals_follow_records_completions_and_voids(store):
    a = store.append(make_case_draft(amount="30"))[0].body["case_id"]
    b = store.append(make_case_draft(amount="20.5"))[0].body["case_id"]
    store.append(draft_complete(a), draft_complete(b))
    store.append(draft_void(b, "重复登记"))
    with read(store.engine) as conn:
        day = (
            conn.execute(select(day_total).where(day_total.c.business_date == china_today().isoformat()))
            .mappings()
            .one()
        )
    assert (day["case_count"], day["voided_count"], day["amount_fen_total"]) == (2, 1, 3000)


def test_rebuilt_projections_equal_the_incremental_ones(store):
    ids = [store.append(make_case_draft())[0].body["case_id"] for _ in range(4)]
    store.append(draft_complete(ids[0]), draft_void(ids[1], "群众取消办理"))
    (m,) = store.append(make_mailing_draft(case_ids=[ids[2]]))
    store.append(draft_dispatch(m.body["mailing_id"], "1234567890123"))
    before = [table_dump(store, t) for t in (case, mailing, day_total)]
    assert store.rebuild_projections() == 8
    assert [table_dump(store, t) for t in (case, mailing, day_total)] == before


def test_the_event_log_refuses_updates_and_deletes(store):
    store.append(make_case_draft())
    with pytest.raises(Exception, match="append-only"), write(store.engine) as conn:
        conn.execute(text("UPDATE event SET body_json = '{}' WHERE seq = 1"))
    with pytest.raises(Exception, match="append-only"), write(store.engine) as conn:
        conn.execute(text("DELETE FROM event WHERE seq = 1"))


def test_every_connection_is_wal_with_full_sync(store):
    conns = [store.engine.connect() for _ in range(3)]
    try:
        for conn in conns:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        for conn in conns:
            conn.close()


def test_reopening_keeps_everything(store):
    for _ in range(3):
        store.append(make_case_draft())
    head = store.head()
    store2, report = reopen(store)
    try:
        assert report.recovery is None and store2.head() == head
        assert store2.identity.point_code == "0427"
    finally:
        store2.close()


def test_purging_personal_data_keeps_the_chain_verifiable(store):
    old = store.append(make_case_draft(business_date=date(2023, 1, 5)))[0]
    new = store.append(make_case_draft())[0]
    assert store.purge_personal_data(before=date(2024, 1, 1)) == 0  # not yet acknowledged by the county: kept
    store.mark_outbox([old.seq, new.seq], "acked")
    assert store.purge_personal_data(before=date(2024, 1, 1)) == 1
    events = {e.event_id: e for e in store.events()}
    assert events[old.event_id].pii is None and events[new.event_id].pii is not None
    assert store.verify().seq == 2
    assert case_row(store, old.body["case_id"])["id_number"] is None


def test_outbox_states_move_and_are_counted(store):
    evs = [store.append(make_case_draft())[0] for _ in range(3)]
    store.mark_outbox([evs[0].seq, evs[1].seq], "acked")
    assert store.outbox_counts() == {"acked": 2, "pending": 1}
    assert [e.seq for e in store.pending_events()] == [evs[2].seq]
    with read(store.engine) as conn:
        assert conn.execute(select(outbox.c.attempts).where(outbox.c.seq == evs[0].seq)).scalar() == 1


def test_close_day_records_totals_and_makes_a_checked_backup(store):
    (a,) = store.append(make_case_draft())
    store.append(draft_complete(a.body["case_id"]))
    closed, backup = store.close_day(china_today())
    assert closed.type is EventType.DAY_CLOSED
    assert closed.body["case_count"] == 1 and closed.body["points_estimate"] == 1
    assert backup.path.exists() and backup.reason == "day-close"
    with read(store.engine) as conn:
        assert conn.execute(select(day_total.c.closed_seq)).scalar() == closed.seq
        assert conn.execute(select(event.c.type).where(event.c.seq == closed.seq)).scalar() == "day.closed"


def test_a_correction_of_only_the_phone_number_updates_the_case(store, catalogue):
    from sync.ledger.forms import draft_amend

    (ev,) = store.append(make_case_draft(catalogue))
    item = catalogue.by_code("FL001")
    store.append(
        draft_amend(
            ev.body["case_id"],
            item,
            catalogue,
            changes={},
            pii_changes={"mobile": "139 1234 5678"},
            applicant_kind="person",
        )
    )
    row = case_row(store, ev.body["case_id"])
    assert (row["mobile"], row["mobile_last4"], row["state"]) == ("13912345678", "5678", CaseState.RECORDED)
    assert store.verify().seq == 2
