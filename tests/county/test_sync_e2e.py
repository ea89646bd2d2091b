"""End to end: the real counter store and sync client against the real county endpoint on loopback."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from county.models import Case, LedgerEvent
from county.services import admin, departments, points
from desktop.services.activation import activate, sync_client_for
from desktop.store.engine import read
from desktop.store.schema import case as case_view
from desktop.store.sync_port import StoreSyncPort
from sync.clock import china_today
from sync.engine import SyncEngine
from sync.ledger.forms import draft_complete, draft_materials_sent
from tests.county.conftest import new_point
from tests.factories import PASSWORD, make_case_draft

pytestmark = pytest.mark.date_sensitive


def activated(county, tmp_path, name="data"):
    setup = new_point(county)
    done = activate(county.base_url, setup["code"], tmp_path / name, PASSWORD)
    return done.store, setup


def engine_for(store):
    return SyncEngine(sync_client_for(store), StoreSyncPort(store), app_version="test")


def county_count(county, model, **where):
    with county.session() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def test_enrol_record_push_and_pull_a_department_status_back(county, tmp_path, catalogue):
    store, setup = activated(county, tmp_path)
    try:
        assert store.identity.point_code == setup["point_code"] and store.identity.device_no == 1
        (power,) = store.append(make_case_draft(catalogue, item_code="FL003", amount="86.5"))
        store.append(draft_complete(power.body["case_id"]))
        item = catalogue.by_code("FL015")
        (licence,) = store.append(
            make_case_draft(
                catalogue, item_code="FL015", amount=None, materials={m.code: "received" for m in item.guide.materials}
            )
        )
        store.append(draft_materials_sent(licence.body["case_id"]))

        report = engine_for(store).run()
        assert report.ok and (report.accepted, report.rejected) == (4, 0)
        assert store.outbox_counts() == {"acked": 4}
        assert county_count(county, LedgerEvent, status="accepted") == 4
        assert county_count(county, Case) == 2

        with county.session() as session:
            case = departments.find_case(session, setup["point_code"], licence.body["receipt_no"])
            departments.set_case_status(session, case, "accepted", "", actor="县市监局")
            departments.set_case_status(session, case, "completed", "营业执照已寄出", actor="县市监局")
            session.commit()

        again = engine_for(store).run()
        assert again.ok and again.pulled == 3 and again.pushed == 0  # two statuses and a points statement
        statement = StoreSyncPort(store).county_items("points_statement")[-1]
        month = china_today().strftime("%Y-%m")
        assert '"credited": 5' in statement["payload_json"] and month in statement["payload_json"]
        with read(store.engine) as conn:
            row = conn.execute(
                select(case_view.c.state, case_view.c.county_note).where(case_view.c.case_id == licence.body["case_id"])
            ).one()
        assert tuple(row) == ("completed", "营业执照已寄出")
        # rebuilding the projections replays the county's statuses in the same place
        store.rebuild_projections()
        with read(store.engine) as conn:
            assert (
                conn.execute(select(case_view.c.state).where(case_view.c.case_id == licence.body["case_id"])).scalar()
                == "completed"
            )
    finally:
        store.close()


def test_points_cross_the_monthly_cap_at_the_county(county, tmp_path, catalogue):
    store, setup = activated(county, tmp_path)
    try:
        for _ in range(51):  # 51 × 10 gas-bill cases of class 2 = 1,020 raw points in one month
            drafts = []
            for _ in range(10):
                draft = make_case_draft(catalogue, item_code="FL004", amount="30")
                drafts += [draft, draft_complete(draft.body["case_id"])]
            store.append(*drafts)
        report = engine_for(store).run()
        assert report.ok and report.accepted == 1020 and report.requests >= 6
        with county.session() as session:
            months, quarters = points.statement(session, admin.point_by_code(session, setup["point_code"]))
        (month,) = months.values()
        assert (month.raw, month.credited, month.capped, month.case_count) == (1020, 1000, True, 510)
        assert month.month == china_today().strftime("%Y-%m") and list(quarters.values())[0].credited == 1000
    finally:
        store.close()


def test_a_revoked_account_is_refused_and_the_counter_is_told_to_lock(county, tmp_path, catalogue):
    store, setup = activated(county, tmp_path)
    try:
        store.append(make_case_draft(catalogue))
        with county.session() as session:
            admin.revoke_account(session, setup["account_id"], "违规刷单", actor="县政务服务管理局")
            session.commit()
        report = engine_for(store).run()
        assert report.locked and "注销" in report.error.message
        assert store.outbox_counts().get("acked", 0) == 0  # nothing was stored at the county
        assert county_count(county, LedgerEvent) == 0
    finally:
        store.close()


def test_a_notice_to_all_points_reaches_the_device(county, tmp_path):
    from county.services.notices import publish_notice

    store, setup = activated(county, tmp_path)
    try:
        with county.session() as session:
            publish_notice(
                session, "活动日提醒", "本周五在邮政网点开展帮代办活动日。", point_code=None, actor="县政务服务管理局"
            )
            session.commit()
        assert engine_for(store).run().pulled == 1
        (notice,) = StoreSyncPort(store).county_items("notice")
        assert "活动日" in notice["payload_json"] and notice["outcome"] == "stored"
    finally:
        store.close()


def test_the_countys_working_day_table_reaches_the_counter(county, tmp_path):
    from datetime import date

    from county.services.workdays import publish_table
    from desktop.services.workdays import current_table
    from sync.ledger.workdays import WorkdayTable

    store, _setup = activated(county, tmp_path)
    try:
        assert not current_table(store).covers(2027)
        table_2027 = WorkdayTable(frozenset({2027}), frozenset({date(2027, 10, 1)}), frozenset({date(2027, 9, 26)}))
        with county.session() as session:
            publish_table(session, table_2027, actor="县政务服务管理局")
            session.commit()
        engine_for(store).run()
        table = current_table(store)
        assert table.covers(2027) and table.covers(2025)  # the county's year added to the shipped ones
        assert not table.is_workday(date(2027, 10, 1)) and table.is_workday(date(2027, 9, 26))
    finally:
        store.close()


def test_a_published_catalogue_version_reaches_the_counter_and_its_cases_are_accepted(county, tmp_path):
    import copy

    from county.services import catalogues
    from desktop.services.catalogue import current_catalogue
    from resources import read_json

    store, _setup = activated(county, tmp_path)
    try:
        data = copy.deepcopy(read_json("catalogue", "2024.1", "catalogue.json"))
        data["version"], data["published_date"] = "2025.1", "2025-03-01"
        data["items"][0]["name"] = "缴纳话费（含宽带）"
        with county.session() as session:
            catalogues.publish(session, data, actor="县政务服务管理局")
            session.commit()
        engine_for(store).run()
        newer = current_catalogue(store)
        assert newer.version == "2025.1" and newer.by_code("FL001").name == "缴纳话费（含宽带）"
        store.append(make_case_draft(newer, item_code="FL001"))
        assert engine_for(store).run().accepted == 1
        with county.session() as session:  # versions only move forward
            import pytest

            from county.errors import CountyError

            with pytest.raises(CountyError, match="必须比现有的"):
                catalogues.publish(session, data, actor="县政务服务管理局")
    finally:
        store.close()
