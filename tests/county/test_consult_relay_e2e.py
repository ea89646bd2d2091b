"""代办点转来的咨询 end to end: asked at the counter, pushed, routed with its deadline, answered, pulled back."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import select

import sync.client
import sync.wire
from county.models import Consultation, Device, LedgerEvent, Point
from county.services import consultations, feed
from county.services.crediting import county_workdays
from county.services.scope import Scope
from county.services.staff import StaffRole
from desktop.services import consults
from desktop.services.session import Counter
from desktop.settings import Settings
from desktop.store.sync_port import StoreSyncPort
from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import CHINA_TZ, EventDraft, new_id
from sync.ledger.forms import FormErrors, draft_consult
from sync.ledger.kinds import EventType
from tests.county.test_sync_e2e import activated, engine_for

pytestmark = pytest.mark.date_sensitive

FRIDAY_EVENING = datetime(2026, 11, 27, 18, 5, tzinfo=CHINA_TZ)
QUESTION = "开小卖部办个体营业执照，要带哪些材料？房子是租的行不行？"
DEPARTMENT = Scope(StaffRole.DEPARTMENT, unit_code="scjg", item_codes=frozenset({"FL015"}))


def _counter(county, tmp_path, catalogue):
    store, setup = activated(county, tmp_path)
    return Counter(store, catalogue, Settings(tmp_path / "data")), setup


def test_asked_at_the_counter_answered_by_the_department_and_shown_back(county, tmp_path, catalogue):
    counter, setup = _counter(county, tmp_path, catalogue)
    try:
        consult_id = consults.ask(counter, QUESTION, item_code="FL015", phone="139 7981 2345")
        consults.ask(counter, "低保每个月什么时候发？")  # no item: the bureau answers
        (mine, other) = sorted(consults.relayed(counter), key=lambda r: r.consult_id != consult_id)
        assert (mine.state, mine.detail, mine.phone) == (consults.WAITING, consults.NOT_SENT, "139****2345")

        with time_machine.travel(FRIDAY_EVENING, tick=True):  # pushed after the office closed before a weekend
            report = engine_for(counter.store).run()
        assert report.ok and report.accepted == 2 and report.rejected == 0
        assert consults.relayed(counter)[-1].detail == consults.ROUTED  # received and routed (consult_route)

        with county.session() as session:
            row = session.scalar(select(Consultation).where(Consultation.ref == consult_id))
            device = session.get(Device, row.device_id)
            assert (row.source, row.unit_code, row.item_code, row.question) == ("counter", "scjg", "FL015", QUESTION)
            assert session.get(Point, row.point_id).code == setup["point_code"] and row.point_id == device.point_id
            # received on Monday (after 17:30 on Friday), answered by the end of Wednesday: 第十条's 2 working days
            assert (row.received_date, row.due_date) == (date(2026, 11, 30), date(2026, 12, 2))
            assert consultations.deadline_of(row.asked_at, county_workdays(session)) == (
                row.received_date,
                row.due_date,
            )
            queue = consultations.queue(session, DEPARTMENT)
            waiting = queue.overdue + queue.due_soon + queue.unconfirmed + queue.later
            assert [c.ref for c in waiting] == [consult_id]  # the department sees its own, not the bureau's
            assert consultations.phone_of(session, county.box, DEPARTMENT, row.id, actor="县市监局") == "13979812345"
            sealed = session.scalar(select(LedgerEvent.pii_sealed).where(LedgerEvent.type == "consult.asked").limit(1))
            assert sealed and "13979812345" not in sealed  # sealed at rest
            bureau = consultations.queue(session, Scope(StaffRole.BUREAU_CLERK))
            assert {c.source for c in bureau.due_soon + bureau.later + bureau.unconfirmed + bureau.overdue} == {
                "counter"
            }
            consultations.answer(
                session, DEPARTMENT, row.id, "带身份证和租房合同即可，租的房子可以。", actor="县市监局"
            )
            session.commit()

        assert engine_for(counter.store).run().ok
        mine = next(r for r in consults.relayed(counter) if r.consult_id == consult_id)
        assert (mine.state, mine.answer, mine.answered_by) == (
            consults.ANSWERED,
            "带身份证和租房合同即可，租的房子可以。",
            "县市监局",
        )
        assert [r.consult_id for r in consults.answers_to_pass_on(counter)] == [consult_id]
        consults.mark_told(counter, mine)
        assert consults.answers_to_pass_on(counter) == []
        assert next(r for r in consults.relayed(counter) if r.consult_id != consult_id).state == consults.WAITING
    finally:
        counter.close()


def test_the_counter_is_told_who_answers_and_by_when_and_sees_it_overdue(county, tmp_path, catalogue, monkeypatch):
    """The routing goes back at the next sync (consult_route, feed 5): the unit and the due date, 时限待确认 when the
    table does not cover it; a reassignment or the year's publication sends it again; overdue is the counter's."""
    from county.services import workdays
    from sync.ledger.workdays import WorkdayTable

    counter, _setup = _counter(county, tmp_path, catalogue)
    try:
        to_market = consults.ask(counter, QUESTION, item_code="FL015")
        to_bureau = consults.ask(counter, "低保每个月什么时候发？")
        assert [r.route for r in consults.relayed(counter)] == ["", ""]  # not sent: nothing known yet
        with time_machine.travel(FRIDAY_EVENING, tick=True):
            assert engine_for(counter.store).run().ok
            rows = {r.consult_id: r for r in consults.relayed(counter)}
        with county.session() as session:
            due = {c.ref: c.due_date for c in session.scalars(select(Consultation))}
        assert due[to_market] == date(2026, 12, 2)  # received Monday, after the Friday evening
        market, bureau = rows[to_market], rows[to_bureau]
        assert (market.answering_unit, market.due_date, market.overdue) == ("县市监局", "2026-12-02", False)
        assert market.route == "由 县市监局 答复，应于 2026-12-02 前答复"
        assert (bureau.answering_unit, bureau.due_date) == (consultations.BUREAU, due[to_bureau].isoformat())
        assert market.detail == consults.ROUTED

        with time_machine.travel(datetime(2026, 12, 3, 9, 0, tzinfo=CHINA_TZ), tick=True):
            late = {r.consult_id: r for r in consults.relayed(counter)}  # no sync needed: the counter's own date
            assert late[to_market].overdue and late[to_market].route.endswith("（已超过答复期限）")
            with county.session() as session:  # the bureau reassigns one; the department answers the other
                ids = {c.ref: c.id for c in session.scalars(select(Consultation))}
                bureau_scope = Scope(StaffRole.BUREAU_CLERK)
                consultations.reassign(session, bureau_scope, ids[to_bureau], "mzj", actor="县政务服务管理局")
                consultations.answer(session, DEPARTMENT, ids[to_market], "带身份证和租房合同。", actor="县市监局")
                session.commit()
            assert engine_for(counter.store).run().ok
            now = {r.consult_id: r for r in consults.relayed(counter)}
        assert now[to_bureau].route == f"由 县民政局 答复，应于 {due[to_bureau]} 前答复（已超过答复期限）"
        assert now[to_market].state == consults.ANSWERED and not now[to_market].overdue

        with time_machine.travel(datetime(2026, 12, 30, 10, 0, tzinfo=CHINA_TZ), tick=True):
            next_year = consults.ask(counter, "明年的城乡居民医保什么时候开始交？", item_code="FL015")
            assert engine_for(counter.store).run().ok
            unknown = next(r for r in consults.relayed(counter) if r.consult_id == next_year)
            assert (unknown.due_date, unknown.overdue) == ("", False)
            assert unknown.route == "由 县市监局 答复，答复时限待确认"
            with county.session() as session:  # the bureau publishes 2027: the date becomes known and is sent
                table = WorkdayTable(frozenset({2027}), frozenset({date(2027, 1, 1)}), frozenset())
                workdays.publish_table(session, table, actor="test")
                session.commit()
                known = session.scalar(select(Consultation.due_date).where(Consultation.ref == next_year))
            assert known is not None and known.year == 2027
            monkeypatch.setattr(sync.client, "FEED_VERSION", 4)  # a counter released before this: never sent it
            with county.session() as session:
                device = session.get(Device, session.scalar(select(Consultation.device_id).limit(1)))
                older = feed.pull(session, device, 0, 500, feed_version=4)
            assert "consult_route" not in {i.kind for i in older.items} and "consult_answer" in {
                i.kind for i in older.items
            }
            report = engine_for(counter.store).run()
            assert report.ok
            assert next(r for r in consults.relayed(counter) if r.consult_id == next_year).due_date == ""
            monkeypatch.setattr(sync.client, "FEED_VERSION", sync.wire.FEED_VERSION)
            with county.session() as session:  # the cursor moved past it: a fresh counter of feed 5 gets it
                newest = feed.pull(session, device, 0, 500, feed_version=5)
            routes = [i.payload for i in newest.items if i.kind == "consult_route"]
            assert routes[-1] == {**routes[-1], "consult_id": next_year, "due_date": known.isoformat()}
    finally:
        counter.close()


def test_a_counter_of_an_older_feed_level_never_receives_the_answer(county, tmp_path, catalogue, monkeypatch):
    counter, _setup = _counter(county, tmp_path, catalogue)
    try:
        consult_id = consults.ask(counter, QUESTION, item_code="FL015")
        assert engine_for(counter.store).run().ok
        with county.session() as session:
            row = session.scalar(select(Consultation).where(Consultation.ref == consult_id))
            consultations.answer(session, DEPARTMENT, row.id, "带身份证和租房合同。", actor="县市监局")
            session.commit()
            device = session.get(Device, row.device_id)
            older = feed.pull(session, device, 0, 500, feed_version=2)
            newer = feed.pull(session, device, 0, 500, feed_version=3)
        assert "consult_answer" not in {i.kind for i in older.items}
        assert older.next_cursor == newer.next_cursor  # the older counter's cursor still moves past it
        assert [json.dumps(i.payload, ensure_ascii=False) for i in newer.items if i.kind == "consult_answer"]

        monkeypatch.setattr(sync.client, "FEED_VERSION", 2)  # a counter released before this feature, over HTTP
        report = engine_for(counter.store).run()
        assert report.ok and StoreSyncPort(counter.store).county_items("consult_answer") == []
    finally:
        counter.close()


@pytest.mark.parametrize(
    ("question", "words"),
    [("", "请填写问题"), ("  好 ", "问题太短了"), ("问" * 1001, "问题最多 1000 个字"), ("看 www.abc.com", "网址")],
)
def test_bad_questions_are_refused_at_the_counter_and_nothing_is_written(tmp_path, catalogue, question, words):
    from tests.factories import make_store

    store = make_store(tmp_path / "data")
    counter = Counter(store, catalogue, Settings(tmp_path / "data"))
    try:
        consults.ask(counter, "这是一个正常的问题，要保留。")
        with pytest.raises(FormErrors) as refused:
            consults.ask(counter, question, phone="1234")
        assert words in refused.value.errors["question"]
        assert "手机号" in refused.value.errors["phone"]
        assert [r.question for r in consults.relayed(counter)] == ["这是一个正常的问题，要保留。"]
        assert store.head().seq == 1
    finally:
        counter.close()


def test_a_bad_or_repeated_relayed_question_is_rejected_on_its_own_and_the_batch_goes_on(county):
    from tests.county.test_ingest_rules import enrolled, push, request_for, sealed_chain

    token, _point_code, _device_no = enrolled(county)
    device_id = token.split(".")[0]
    good = draft_consult(load_catalogue(), QUESTION, item_code="FL015")
    drafts = [
        good,
        EventDraft(EventType.CONSULT_ASKED, {"consult_id": new_id(), "question": "好", "item_code": ""}),
        EventDraft(EventType.CONSULT_ASKED, {**good.body}),  # the same question pushed again under a new event id
        EventDraft(EventType.CONSULT_ASKED, {"consult_id": new_id(), "question": QUESTION, "item_code": "XX999"}),
    ]
    result = push(county, token, request_for(device_id, sealed_chain(device_id, drafts)))
    assert result.accepted == [[1, 1]]
    assert [(r.seq, r.code) for r in result.rejected] == [(2, "invalid"), (3, "consult_exists"), (4, "invalid")]
    assert "问题太短了" in result.rejected[0].message and "事项目录里没有这个事项" in result.rejected[2].message
    with county.session() as session:
        assert session.scalars(select(Consultation.ref)).all() == [good.body["consult_id"]]


def test_the_county_refuses_a_batch_with_an_event_type_it_does_not_know_in_plain_words(county):
    import urllib.error
    import urllib.request

    from tests.county.test_ingest_rules import enrolled

    token, _point_code, _device_no = enrolled(county)
    device_id = token.split(".")[0]
    body = {
        "device_id": device_id,
        "from_seq": 1,
        "prev_hash": "0" * 64,
        "head_hash": "1" * 64,
        "app_version": "9.0.0",
        "events": [{"id": new_id(), "type": "consult.withdrawn", "t": "2026-12-07T10:00:00.000+08:00", "body": {}}],
    }
    request = urllib.request.Request(
        f"{county.base_url}/api/v1/push",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Device {token}", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 422
    error = json.loads(refused.value.read())["error"]
    assert re.search(r"[\u4e00-\u9fff]", error["message"]), error  # said in Chinese, for the agent
    with county.session() as session:
        assert session.get(Device, device_id).head_seq == 0  # nothing stored
