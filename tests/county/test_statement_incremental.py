"""The statement a batch publishes recomputes only the months it touched (summed in the database,
points.month_figures); after any sequence of batches it must equal the whole recomputation by the points rules
(sync/ledger/points.py, docs/points.md). Random sequences, seeded so a failure replays: cases recorded and
completed across months, the monthly cap crossed, completions sent after their month closed (credited late),
voids after completion, and disqualifications between batches."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
import time_machine

from county.models import Case
from county.services import departments
from sync.ledger.events import EventDraft
from sync.ledger.forms import draft_complete, draft_void
from tests.county.test_points_statement import Device, china, published_and_whole

START = date(2026, 8, 31)


def _batch(
    device: Device, rng: random.Random, today: date, open_cases: list, done: list, *, many: bool
) -> list[EventDraft]:
    """One day's push: new cases (some completed at once, now and then enough to cross the cap), completions of
    cases recorded earlier, dated back on their own day (late when that month has closed), and voids."""
    drafts: list[EventDraft] = []
    for minute in range(1, (340 if many else rng.randint(0, 12)) + 1):  # a burst: 340 × 3 points cross the cap
        day = today if many else today - timedelta(days=rng.randint(0, 3))
        recorded = device.record(day, minute)
        drafts.append(recorded)
        if many or rng.random() < 0.6:
            drafts.append(replace(draft_complete(recorded.body["case_id"]), occurred_at=device.at(day, minute + 2)))
            done.append(recorded.body["case_id"])
        else:
            open_cases.append((recorded.body["case_id"], day))
    for _ in range(min(len(open_cases), rng.randint(0, 4))):
        case_id, day = open_cases.pop(rng.randrange(len(open_cases)))
        drafts.append(replace(draft_complete(case_id), occurred_at=device.at(day, 600)))  # dated on its own day
        done.append(case_id)
    for _ in range(min(len(done), rng.randint(0, 3))):
        case_id = done.pop(rng.randrange(len(done)))
        drafts.append(replace(draft_void(case_id, "录错了"), occurred_at=device.at(today, 620)))
    return drafts


@pytest.mark.parametrize("seed", [1, 3, 4, 5])
def test_incremental_statements_equal_the_whole_recomputation(county, seed):
    rng = random.Random(seed)
    with time_machine.travel(china(START), tick=False):
        device = Device(county)
    open_cases: list[tuple[str, date]] = []
    done: list[str] = []
    today, months, flags, capped = START, set(), set(), False
    for step in range(18):
        today += timedelta(days=rng.choice((1, 3, 9, 17)))  # some gaps let a month close before its cases arrive
        drafts = _batch(device, rng, today, open_cases, done, many=step in (4, rng.randrange(18)))
        if not drafts:
            continue
        with time_machine.travel(china(today, 20), tick=False):
            device.push(drafts)
            if done and rng.random() < 0.4:  # the bureau disqualifies a case between batches
                case_id = done.pop(rng.randrange(len(done)))
            elif open_cases and rng.random() < 0.3:  # or one not completed yet: listed once its completion arrives
                case_id = rng.choice(open_cases)[0]
            else:
                case_id = None
            if case_id is not None:
                with county.session() as session:
                    departments.disqualify_case(session, session.get(Case, case_id), "违规刷单", actor="县局")
                    session.commit()
        published, whole = published_and_whole(county, device.point_code)
        if published is None:  # nothing has earned or been flagged yet: no statement is sent
            assert whole == {"months": {}, "quarters": {}}
            continue
        assert published == whole, f"seed {seed}, {today}"
        months |= set(whole["months"])
        flags |= {flag["flag"] for flag in whole.get("flags", [])}
        capped = capped or any(figures["capped"] for figures in whole["months"].values())
    assert len(months) >= 3 and capped  # the sequence spanned several months and crossed the cap
    assert {"late", "disqualified"} <= flags
