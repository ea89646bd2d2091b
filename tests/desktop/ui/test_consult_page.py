"""咨询 at the counter: a question written down, a bad one refused beside the field, the answer shown back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from desktop.services import consults
from desktop.store import county_feed
from desktop.store.engine import write
from desktop.store.sync_port import StoreSyncPort
from desktop.ui import theme
from desktop.ui.consult_page import ROUTE_COLUMN, STATE_COLUMN, ConsultPage
from desktop.ui.home import HomePage
from desktop.ui.messages import MessageBar

SHOT = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "standard" / "consult-answered.png"
ANSWER = "带身份证原件和租房合同即可；房子是租的可以办，经营场所写租来的地址。"


def _answer(counter, consult_id: str, cursor: int = 9) -> None:
    payload = {
        "consult_id": consult_id,
        "answer": ANSWER,
        "unit": "县市场监督管理局",
        "answered_at": "2026-11-27T15:20:00.000+08:00",
    }
    with write(counter.store.engine) as conn:
        county_feed.store_items(
            conn,
            [{"cursor": cursor, "kind": "consult_answer", "payload": payload, "created_at": "2026-11-27T07:20:00Z"}],
        )


def test_the_agent_relays_a_question_and_reads_the_answer_back(qtbot, counter):
    messages = MessageBar()
    page = ConsultPage(counter, messages)
    qtbot.addWidget(page)
    page.resize(1280, 640)
    page.show()

    page.question.setPlainText("好")  # too short: refused beside the field, nothing written, nothing cleared
    page.phone.setText("1390798")
    assert not page.submit()
    assert "问题太短了" in page.fields["question"].error.text()
    assert "手机号" in page.fields["phone"].error.text()
    assert page.question.toPlainText() == "好" and counter.store.head().seq == 0

    page.question.setPlainText("开小卖部办个体营业执照，要带哪些材料？房子是租的行不行？")
    page.item.setCurrentIndex(page.item.findData("FL015"))
    page.phone.setText("13979812345")
    assert page.submit()
    assert page.question.toPlainText() == "" and "已记下这条咨询" in messages.text()
    page.question.setPlainText("低保每个月什么时候发？")
    assert page.submit()
    assert page.table.rowCount() == 2 and "等待答复 2 条" in page.title.text()
    cells = [page.table.item(1, c).text() for c in range(page.table.columnCount())]
    assert cells[2] == "个体工商户设立登记" and cells[3] == "139****2345" and cells[STATE_COLUMN] == consults.WAITING
    assert "13979812345" not in "".join(cells)

    first = consults.relayed(counter)[1]
    _answer(counter, first.consult_id)
    home = HomePage(counter)
    qtbot.addWidget(home)
    home.refresh()
    assert "县里答复了 1 条咨询" in home.notices.text()

    page.refresh()
    page.table.selectRow(1)
    assert page.table.item(1, STATE_COLUMN).text() == "已答复（待转告）"
    assert ANSWER in page.detail.text() and "县市场监督管理局" in page.detail.text()
    assert page.told.isVisibleTo(page)
    page.grab().save(str(SHOT))

    page.told.click()
    page.table.selectRow(1)
    assert page.table.item(1, STATE_COLUMN).text() == "已答复" and not page.told.isVisibleTo(page)
    home.refresh()
    assert "咨询" not in home.notices.text()


ROUTED_SHOT = SHOT.with_name("consult-routed.png")


def _route(counter, consult_id: str, cursor: int, unit: str, due_date: str | None) -> None:
    payload = {
        "consult_id": consult_id,
        "unit": unit,
        "due_date": due_date,
        "routed_at": "2026-11-27T18:05:00.000+08:00",
    }
    with write(counter.store.engine) as conn:
        county_feed.store_items(
            conn,
            [{"cursor": cursor, "kind": "consult_route", "payload": payload, "created_at": "2026-11-27T10:05:00Z"}],
        )


def test_the_list_says_who_answers_by_when_and_what_is_overdue(qtbot, counter):
    """consult_route items as the pull stores them: the unit and date in the list and the detail, an overdue
    question in red with what to do, 时限待确认 when the county's table does not cover it; the newest route stands."""
    today = counter.now().date()
    before, after = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=2)).isoformat()
    late = consults.ask(counter, "开小卖部办个体营业执照，要带哪些材料？房子是租的行不行？", item_code="FL015")
    on_time = consults.ask(counter, "低保每个月什么时候发？")
    unknown = consults.ask(counter, "明年的城乡居民医保什么时候开始交？")
    StoreSyncPort(counter.store).record_results([1, 2, 3], {})
    _route(counter, late, 11, "县市监局", before)
    _route(counter, on_time, 12, "县政务服务管理局", after)
    _route(counter, on_time, 13, "县民政局", after)  # reassigned by the bureau: the newest stands
    _route(counter, unknown, 14, "县医保局", None)

    page = ConsultPage(counter, MessageBar())
    qtbot.addWidget(page)
    page.resize(1280, 640)
    page.show()
    qtbot.waitExposed(page)
    shown = {page.entries[r].consult_id: r for r in range(page.table.rowCount())}
    cell = lambda cid, col: page.table.item(shown[cid], col)  # noqa: E731
    assert cell(late, ROUTE_COLUMN).text() == f"县市监局 {before[5:]}前"
    assert cell(late, STATE_COLUMN).text() == "等待答复·超期"
    assert cell(late, STATE_COLUMN).foreground().color().name().upper() == theme.DANGER.upper()
    assert cell(on_time, ROUTE_COLUMN).text() == f"县民政局 {after[5:]}前"
    assert cell(on_time, STATE_COLUMN).text() == consults.WAITING
    assert cell(unknown, ROUTE_COLUMN).text() == "县医保局 时限待确认"
    assert "其中已超期 1 条" in page.title.text()

    page.table.selectRow(shown[on_time])
    assert f"由 县民政局 答复，应于 {after} 前答复" in page.detail.text()
    assert "已超期" not in page.detail.text()
    page.table.selectRow(shown[unknown])
    assert "由 县医保局 答复，答复时限待确认" in page.detail.text()
    page.table.selectRow(shown[late])
    assert f"由 县市监局 答复，应于 {before} 前答复（已超过答复期限）" in page.detail.text()
    assert "请乡镇帮忙催问" in page.detail.text()
    page.grab().save(str(ROUTED_SHOT))
