"""部门审定的流程图 end to end: the department approves an item's flowchart at the county, the counter pulls it
(feed 4) and draws it instead of the shipped sample; a later edit withdraws it and the sample comes back."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from sqlalchemy import select

import sync.client
from county.models import CountyEvent, Device
from county.services import feed, guides
from desktop.services import flowcharts
from desktop.services.session import Counter
from desktop.settings import Settings
from desktop.store.sync_port import StoreSyncPort
from sync.ledger.events import CHINA_TZ
from sync.ledger.flowcharts import sample_for
from tests.county.test_sync_e2e import activated, engine_for

pytestmark = pytest.mark.date_sensitive

APPROVED_AT = datetime(2026, 12, 7, 7, 30, tzinfo=CHINA_TZ)  # still 12月06日 in UTC: the date is China's
STEPS = "申请人 | 带身份证到代办点 | 当场\n代办员 | 核对材料、网上提交 | 当天\n县市监局 | 审核发照 | 1 个工作日"


def _counter(county, tmp_path, catalogue):
    store, setup = activated(county, tmp_path)
    return Counter(store, catalogue, Settings(tmp_path / "data")), setup


def _write(county, steps: str | None, *, approve: bool) -> None:
    with county.session() as session:
        current = guides.guide_for(session, "FL015")
        guides.save(
            session,
            "FL015",
            current.text,
            "\n".join(current.materials),
            actor="县市监局",
            bureau=False,
            unit_code="scjg",
            steps_text=steps,
        )
        if approve:
            guides.approve(session, "FL015", actor="县市监局", unit_code="scjg")
        session.commit()


def test_an_approved_flowchart_reaches_the_counter_and_a_later_edit_brings_back_the_sample(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    try:
        assert flowcharts.flowchart_for(counter, "FL015") == sample_for("FL015")
        _write(county, STEPS, approve=False)  # saved, not yet approved: nothing for the counters
        assert engine_for(counter.store).run().ok
        assert flowcharts.flowchart_for(counter, "FL015").sample

        with time_machine.travel(APPROVED_AT, tick=False), county.session() as session:
            guides.approve(session, "FL015", actor="县市监局", unit_code="scjg")
            session.commit()
        assert engine_for(counter.store).run().ok
        chart = flowcharts.flowchart_for(counter, "FL015")
        assert not chart.sample and chart.approved_on == "2026-12-07"
        assert [(s.who, s.what, s.time) for s in chart.steps] == [
            ("申请人", "带身份证到代办点", "当场"),
            ("代办员", "核对材料、网上提交", "当天"),
            ("县市监局", "审核发照", "1 个工作日"),
        ]
        assert chart.time_limit == catalogue.by_code("FL015").guide.time_limit_text
        with county.session() as session:  # the counter draws what the 专区 and the poster draw
            assert guides.flowchart_for(session, "FL015").steps == chart.steps
        assert flowcharts.flowchart_for(counter, "FL016") == sample_for("FL016")  # other items keep their sample

        _write(county, STEPS.replace("当天", "半天"), approve=False)  # an edit takes the approval away
        assert engine_for(counter.store).run().ok
        assert flowcharts.flowchart_for(counter, "FL015") == sample_for("FL015")

        _write(county, STEPS.replace("当天", "半天"), approve=True)
        assert engine_for(counter.store).run().ok
        again = flowcharts.flowchart_for(counter, "FL015")
        assert not again.sample and again.steps[1].time == "半天"
    finally:
        counter.close()


def test_a_counter_below_feed_4_never_receives_a_flowchart(county, tmp_path, catalogue, monkeypatch):
    counter, setup = _counter(county, tmp_path, catalogue)
    try:
        _write(county, STEPS, approve=True)
        with county.session() as session:
            assert session.scalars(select(CountyEvent.point_id).where(CountyEvent.kind == "flowchart")).all() == [None]
            device = session.scalar(select(Device).where(Device.point_id.is_not(None)))
            older = feed.pull(session, device, 0, 500, feed_version=3)
            newer = feed.pull(session, device, 0, 500, feed_version=4)
        assert "flowchart" not in {i.kind for i in older.items}
        assert [i.payload["item_code"] for i in newer.items if i.kind == "flowchart"] == ["FL015"]
        assert older.next_cursor == newer.next_cursor  # the older counter's cursor still moves past it

        monkeypatch.setattr(sync.client, "FEED_VERSION", 3)  # a counter released before this feature, over HTTP
        assert engine_for(counter.store).run().ok
        assert StoreSyncPort(counter.store).county_items("flowchart") == []
        assert flowcharts.flowchart_for(counter, "FL015") == sample_for("FL015")
    finally:
        counter.close()
