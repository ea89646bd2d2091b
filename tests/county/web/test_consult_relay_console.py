"""代办点转来的咨询 in the console: listed for the department, where it came from, answered, back at the counter."""

from __future__ import annotations

import re

import pytest

from desktop.services import consults
from desktop.services.session import Counter
from desktop.settings import Settings
from tests.county.conftest import RunningCounty, start_server
from tests.county.test_sync_e2e import activated, engine_for
from tests.county.web.test_consult import post, staff

pytestmark = pytest.mark.date_sensitive

QUESTION = "开小卖部办个体营业执照，要带哪些材料？房子是租的行不行？"
ANSWER = "带身份证原件和租房合同即可，租的房子可以作经营场所。"


def test_a_relayed_question_is_answered_in_the_console_and_read_at_the_counter(console, tmp_path, catalogue):
    server, thread, port = start_server(console.app)  # the console's own app, served on loopback for the counter
    live = RunningCounty(f"http://127.0.0.1:{port}", console.county.engine, console.county.settings)
    store, setup = activated(live, tmp_path, name="counter")
    counter = Counter(store, catalogue, Settings(tmp_path / "counter"))
    try:
        consult_id = consults.ask(counter, QUESTION, item_code="FL015", phone="13979812345")
        assert engine_for(store).run().ok

        clerk = staff(console, "department")
        queue = clerk.get("/console/consultations").text
        found = re.search(r'href="/console/consultations/(\d+)">咨询 \d+</a></td><td>开小卖部', queue)
        assert found, "the relayed question is not in the department's list"
        page = clerk.get(f"/console/consultations/{found[1]}").text
        source = re.search(r'<dd id="source">([^<]+)</dd>', page)[1]
        assert source == f"代办点转来：瑶里村小卖部（{setup['point_code']}，1 号机）"
        assert "139****2345" in page and "13979812345" not in page
        assert "送回这个代办点的电脑" in page

        done = post(clerk, f"/console/consultations/{found[1]}/answer", text=ANSWER)
        assert done.status_code == 200 and "答复已发布" in done.text
        assert engine_for(store).run().ok
        (back,) = [r for r in consults.relayed(counter) if r.consult_id == consult_id]
        assert (back.state, back.answer) == (consults.ANSWERED, ANSWER)
    finally:
        store.close()
        server.should_exit = True
        thread.join(timeout=10)
