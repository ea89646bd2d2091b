"""End to end: the county's working-day table reaches the counter and is what its deadlines count in."""

from __future__ import annotations

from datetime import date, datetime

import time_machine

from county.services import departments
from county.services.workdays import publish_table
from desktop.services.case_detail import load_detail
from desktop.services.print_data import receipt_data
from desktop.services.session import Counter
from desktop.services.workdays import current_table
from desktop.settings import Settings
from sync.ledger.events import CHINA_TZ
from sync.ledger.forms import draft_materials_sent
from sync.ledger.kinds import CaseState, Flow
from sync.ledger.workdays import UNCONFIRMED, WorkdayTable, case_due
from tests.county.test_sync_e2e import activated, engine_for
from tests.factories import make_case_draft

TUESDAY = date(2026, 12, 29)  # three working days on: 12-30, 12-31, then 2027-01-01 — a holiday, if a table says so
TABLE_2027 = WorkdayTable(frozenset({2027}), frozenset({date(2027, 1, 1)}), frozenset())


def test_deadlines_count_in_the_countys_table_and_only_uncovered_days_are_unconfirmed(county, tmp_path, catalogue):
    with time_machine.travel(datetime(2026, 12, 29, 9, 30, tzinfo=CHINA_TZ), tick=True):
        store, setup = activated(county, tmp_path)
        counter = Counter(store, catalogue, Settings(tmp_path / "data"))
        try:
            (online,) = store.append(make_case_draft(catalogue, item_code="FL010", amount=None, business_date=TUESDAY))
            licence = catalogue.by_code("FL015")
            (approval,) = store.append(
                make_case_draft(
                    catalogue,
                    item_code="FL015",
                    amount=None,
                    business_date=TUESDAY,
                    materials={m.code: "received" for m in licence.guide.materials},
                )
            )
            store.append(draft_materials_sent(approval.body["case_id"]))
            assert engine_for(store).run().ok
            with county.session() as session:
                case = departments.find_case(session, setup["point_code"], approval.body["receipt_no"])
                departments.set_case_status(session, case, "accepted", "", actor="县市监局")
                session.commit()
            assert engine_for(store).run().pulled >= 1

            # the shipped table ends with 2026: weekends only, and said so
            before = load_detail(counter, online.body["case_id"]).due
            assert before.startswith("2027年01月01日前") and UNCONFIRMED in before and "2027" in before
            accepted = load_detail(counter, approval.body["case_id"])
            assert accepted.state is CaseState.ACCEPTED
            assert accepted.due.startswith("2027年01月01日前（部门受理后 3 个工作日")
            assert UNCONFIRMED in receipt_data(store, catalogue, online.body["case_id"]).due_text

            with county.session() as session:
                publish_table(session, TABLE_2027, actor="县政务服务管理局")
                session.commit()
            assert engine_for(store).run().pulled == 1

            assert load_detail(counter, online.body["case_id"]).due == "2027年01月04日前（3 个工作日）"
            assert load_detail(counter, approval.body["case_id"]).due == "2027年01月04日前（部门受理后 3 个工作日）"
            assert receipt_data(store, catalogue, online.body["case_id"]).due_text == "2027年01月04日前（3 个工作日）"
            # a day no table covers is still counted by weekends and marked
            later = case_due(
                catalogue.by_code("FL010"),
                Flow.ONLINE,
                CaseState.RECORDED,
                date(2028, 3, 1),
                None,
                current_table(store),
            )
            assert later.startswith("2028年03月06日前") and UNCONFIRMED in later and "2028 年" in later
        finally:
            store.close()


def test_closed_and_instant_cases_have_no_deadline(catalogue):
    table = WorkdayTable(frozenset({2026}), frozenset(), frozenset())
    assert case_due(catalogue.by_code("FL001"), Flow.PAYMENT, CaseState.RECORDED, TUESDAY, None, table) == ""
    assert case_due(catalogue.by_code("FL010"), Flow.ONLINE, CaseState.COMPLETED, TUESDAY, None, table) == ""
    waiting = case_due(catalogue.by_code("FL015"), Flow.APPROVAL, CaseState.MATERIALS_SENT, TUESDAY, None, table)
    assert waiting == "部门签收材料后 3 个工作日内（部门还没有签收）"
