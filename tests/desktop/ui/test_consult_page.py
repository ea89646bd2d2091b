"""咨询 at the counter: a question written down, a bad one refused beside the field, the answer shown back."""

from __future__ import annotations

from pathlib import Path

from desktop.services import consults
from desktop.store import county_feed
from desktop.store.engine import write
from desktop.ui.consult_page import ConsultPage
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
    assert cells[2] == "个体工商户设立登记" and cells[3] == "139****2345" and cells[4] == consults.WAITING
    assert "13979812345" not in "".join(cells)

    first = consults.relayed(counter)[1]
    _answer(counter, first.consult_id)
    home = HomePage(counter)
    qtbot.addWidget(home)
    home.refresh()
    assert "县里答复了 1 条咨询" in home.notices.text()

    page.refresh()
    page.table.selectRow(1)
    assert page.table.item(1, 4).text() == "已答复（待转告）"
    assert ANSWER in page.detail.text() and "县市场监督管理局" in page.detail.text()
    assert page.told.isVisibleTo(page)
    page.grab().save(str(SHOT))

    page.told.click()
    page.table.selectRow(1)
    assert page.table.item(1, 4).text() == "已答复" and not page.told.isVisibleTo(page)
    home.refresh()
    assert "咨询" not in home.notices.text()
