"""Personal data past its retention time is purged at day close, only once the county holds the record."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from desktop.services import retention
from desktop.store.engine import read
from desktop.store.schema import case, mailing
from desktop.store.sync_port import StoreSyncPort
from sync.ledger.kinds import EventType
from tests.desktop.services.conftest import NOW
from tests.factories import make_case_draft, make_mailing_draft

TODAY = NOW.date()


def case_name(counter, case_id: str) -> str | None:
    with read(counter.store.engine) as conn:
        return conn.execute(select(case.c.name).where(case.c.case_id == case_id)).scalar_one()


def pii_of(counter, seq: int):
    return next(e for e in counter.store.events(after_seq=seq - 1, limit=1)).pii


def test_day_close_purges_expired_records_the_county_holds_and_keeps_the_rest(counter, catalogue):
    long_ago = TODAY - timedelta(days=200)  # past the default 180 days
    (synced,) = counter.append(make_case_draft(catalogue, business_date=long_ago))
    (refused,) = counter.append(make_case_draft(catalogue, business_date=long_ago))
    (waiting,) = counter.append(make_case_draft(catalogue, business_date=long_ago))
    (recent,) = counter.append(make_case_draft(catalogue, business_date=TODAY - timedelta(days=30)))
    (letter,) = counter.append(
        make_mailing_draft(
            business_date=long_ago,
            direction="to_citizen",
            unit_code="",
            contents="营业执照",
            recipient_name="王秀英",
            recipient_mobile="13800138000",
            recipient_address="瑶里镇瑶里村5组",
        )
    )
    port = StoreSyncPort(counter.store)
    port.record_results([synced.seq, recent.seq, letter.seq], {refused.seq: "材料不全"})
    assert retention.last_purge(counter).at == ""
    assert "还没有清除过" in retention.describe(counter)

    closed, backup = retention.close_day(counter, TODAY)

    assert closed.type is EventType.DAY_CLOSED and backup.path.exists()
    assert case_name(counter, synced.body["case_id"]) is None and pii_of(counter, synced.seq) is None
    assert case_name(counter, refused.body["case_id"]) is None  # refused, but the county holds it
    assert case_name(counter, waiting.body["case_id"]) is not None and pii_of(counter, waiting.seq) is not None
    assert case_name(counter, recent.body["case_id"]) is not None and pii_of(counter, recent.seq) is not None
    with read(counter.store.engine) as conn:
        kept = conn.execute(select(mailing.c.recipient_name, mailing.c.recipient_address)).one()
    assert tuple(kept) == (None, None) and pii_of(counter, letter.seq) is None
    assert counter.store.verify().seq == closed.seq  # the chain still verifies over the digests
    done = retention.last_purge(counter)
    assert done.count == 3 and done.before == (TODAY - timedelta(days=180)).isoformat() and done.at
    text = retention.describe(counter)
    assert "6 个月" in text and "清除了 3 条记录" in text and f"{TODAY - timedelta(days=180):%Y年%m月%d日}" in text

    port.record_results([waiting.seq], {})  # the waiting record reaches the county: the next close purges it
    retention.close_day(counter, TODAY + timedelta(days=1))
    assert case_name(counter, waiting.body["case_id"]) is None
    assert retention.last_purge(counter).count == 1


def test_the_retention_comes_from_the_settings(counter, catalogue):
    (record,) = counter.append(make_case_draft(catalogue, business_date=TODAY - timedelta(days=100)))
    StoreSyncPort(counter.store).record_results([record.seq], {})
    retention.close_day(counter, TODAY)
    assert case_name(counter, record.body["case_id"]) is not None  # 100 days < 6 months
    counter.settings.set(retention.SETTING, "90")
    assert "3 个月" in retention.describe(counter)
    assert retention.purge_expired(counter, TODAY) == 1
    assert case_name(counter, record.body["case_id"]) is None
