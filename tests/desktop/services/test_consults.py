"""代办点转来的咨询 at the counter: the phone is purged after retention once the county holds the question, and a
question the county refused is listed on the 同步 page with what to do."""

from __future__ import annotations

from datetime import date

from desktop.services import consults
from desktop.services.sync_view import ADVICE_CONSULT, rejected_records
from desktop.store.sync_port import StoreSyncPort

QUESTION = "开小卖部办个体营业执照，要带哪些材料？"


def test_the_phone_is_purged_after_retention_only_once_the_county_holds_the_question(counter):
    consults.ask(counter, QUESTION, phone="13979812345")
    assert consults.relayed(counter)[0].phone == "139****2345"
    assert counter.store.purge_personal_data(date(2027, 1, 1)) == 0  # not yet at the county: kept
    StoreSyncPort(counter.store).record_results([1], {})
    assert counter.store.purge_personal_data(date(2026, 11, 27)) == 0  # asked that day: retention not over
    assert counter.store.purge_personal_data(date(2027, 1, 1)) == 1
    (left,) = consults.relayed(counter)
    assert (left.question, left.phone) == (QUESTION, "")
    counter.store.verify()  # the chain still verifies on the digests


def test_a_refused_question_shows_on_the_sync_page_with_what_to_do(counter):
    consults.ask(counter, QUESTION)
    StoreSyncPort(counter.store).record_results([], {1: "县里没有这个事项，请重新选择。"})
    (record,) = rejected_records(counter)
    assert (record.what, record.advice) == ("转给县里的咨询", ADVICE_CONSULT)
    assert consults.relayed(counter)[0].state == consults.REFUSED
