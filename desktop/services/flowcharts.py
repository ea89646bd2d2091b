"""The flowchart (流程图) the counter draws for an item: its department's, once approved, else the shipped sample.

The county sends an approved flowchart to every point on the pull feed (``flowchart`` items, feed 4, payload
``sync.wire.FlowchartNotice``), kept as they came in ``county_item``; a later edit in the console sends its
withdrawal. The newest item for an item code decides: approved steps are drawn as the department's, with the
approval date; a withdrawal, or no item at all, leaves the shipped sample (示例, sync/ledger/flowcharts.py).
"""

from __future__ import annotations

import json
import logging

from pydantic import ValidationError
from sqlalchemy import select

from desktop.services.session import Counter
from desktop.store.engine import read
from desktop.store.schema import county_item
from sync.ledger.catalogue import CatalogueError
from sync.ledger.flowcharts import Flowchart, FlowStep, sample_for
from sync.wire import FlowchartNotice

log = logging.getLogger(__name__)


def approved(counter: Counter) -> dict[str, FlowchartNotice]:
    """The newest flowchart notice per item code, as pulled from the county (approval or withdrawal)."""
    found: dict[str, FlowchartNotice] = {}
    with read(counter.store.engine) as conn:
        payloads = conn.execute(
            select(county_item.c.payload_json)
            .where(county_item.c.kind == "flowchart")
            .order_by(county_item.c.cursor.desc())
        ).scalars()
        for payload in payloads:
            try:
                notice = FlowchartNotice.model_validate(json.loads(payload), strict=False)
            except (ValueError, ValidationError):
                log.warning("ignoring a malformed flowchart from the county")
                continue
            found.setdefault(notice.item_code, notice)
    return found


def flowchart_for(counter: Counter, item_code: str) -> Flowchart | None:
    """The item's flowchart to draw: the department's approved steps (not a sample), otherwise the shipped sample
    (marked as one); None when there is neither."""
    code = item_code[:10]
    notice = approved(counter).get(code)
    if notice is None or notice.withdrawn or not notice.steps:
        return sample_for(code)
    try:
        time_limit = counter.catalogue.by_code(code).guide.time_limit_text
    except CatalogueError:
        time_limit = ""
    steps = tuple(FlowStep(s.who, s.what, s.time) for s in notice.steps)
    return Flowchart(code, steps, time_limit, (), sample=False, approved_on=notice.approved_on or "")
