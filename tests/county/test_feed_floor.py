"""The pull feed's floor: ids handed out after a start sort after every id handed out before it."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from county.db import raise_feed_floor, session_factory
from county.models import CountyEvent
from county.services import notices
from sync.clock import china_now


def newest_id(engine) -> int:
    with session_factory(engine)() as session:
        notices.publish_notice(session, "通知", "内容", point_code=None, actor="test")
        session.commit()
        return session.scalar(select(func.max(CountyEvent.id)))


def test_a_start_raises_the_next_feed_id_and_never_lowers_it(county_engine):
    floor = raise_feed_floor(county_engine)  # the fixture's upgrade already raised it once
    first = newest_id(county_engine)
    assert first > floor >= int(china_now().timestamp() * 1000) * 1000 - 10_000_000
    with time_machine.travel(china_now() - timedelta(days=1)):  # a clock set back never lowers it
        raise_feed_floor(county_engine)
    assert newest_id(county_engine) == first + 1
    with time_machine.travel(china_now() + timedelta(seconds=5)):
        later_floor = raise_feed_floor(county_engine)
    assert later_floor >= first + 5_000_000 and newest_id(county_engine) > later_floor
