"""Consultations in process, on SQLite and PostgreSQL: asked on the 专区, answered in the console, read back;
scoping, the desk's reminders, the throttles and the arithmetic challenge."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from county.api.app import create_app
from county.config import Limits
from county.errors import CountyError
from county.models import AuditLog, Consultation, PublicAttempt
from county.services import challenge, consultations
from sync.clock import CHINA_TZ
from tests.county.web.conftest import csrf_of, sign_in

PHONE = "13912342345"
QUESTION = "我想在村里开个小卖部，办个体工商户营业执照要带哪些材料？"
ANSWER = "带身份证原件和经营场所证明，到村代办点提交即可，一般 3 个工作日内办结。"


def public(console, limits: Limits | None = None, address: str = "10.1.2.3") -> TestClient:
    settings = console.county.settings
    app = create_app(replace(settings, limits=limits), console.county.engine) if limits else console.app
    return TestClient(app, base_url="http://testserver", follow_redirects=False, client=(address, 50000))


def staff(console, name: str) -> TestClient:
    client = console.client()
    assert sign_in(client, console.users[name].username).status_code == 303
    return client


def form_token(client: TestClient) -> str:
    """The form's anti-forgery token, as a browser gets it by opening the page (the cookie stays in the client)."""
    return re.search(r'name="ft" value="([^"]+)"', client.get("/ssb/zx").text).group(1)


def ask(client: TestClient, question: str = QUESTION, **fields):
    return client.post("/ssb/zx", data={"question": question, "ft": form_token(client), **fields})


def code_of(html: str) -> str:
    found = re.search(r'id="code">([0-9A-Z-]{14})<', html)
    assert found, "no query code on the page"
    return found.group(1)


def post(client: TestClient, path: str, **data):
    token = csrf_of(client.get("/console/").text)
    return client.post(path, data={"csrf": token, **data})


def test_asked_on_the_zhuanqu_answered_by_the_department_read_back(console):
    villager = public(console)
    assert "<script" not in villager.get("/ssb/zx").text.lower()
    asked = ask(villager, item="FL015", phone="139 1234 2345")
    assert asked.status_code == 200, asked.text
    assert asked.headers["cache-control"] == "no-store"
    code = code_of(asked.text)
    assert f"code%3D{code}" in asked.text  # the 大字 switch leads to this code's page: the code is not lost
    with console.county.session() as db:
        row = db.scalars(select(Consultation)).one()
        assert row.unit_code == "scjg" and row.source == "zhuanqu"
        assert row.due_date.isoformat() == "2026-12-01"  # asked Friday 09:30: Monday and Tuesday
        assert PHONE not in row.phone_sealed and code.replace("-", "") not in row.code_hash
        consult_id = row.id
    waiting = villager.get("/ssb/zx/a", params={"code": code.lower().replace("-", " ")})
    assert waiting.status_code == 200 and 'id="state">等待答复<' in waiting.text
    assert "2026年12月01日前" in waiting.text and "县市监局" in waiting.text

    clerk = staff(console, "department")
    queue = clerk.get("/console/consultations").text
    assert f"/console/consultations/{consult_id}" in queue
    page = clerk.get(f"/console/consultations/{consult_id}").text
    assert "139****2345" in page and PHONE not in page
    done = post(clerk, f"/console/consultations/{consult_id}/answer", text=ANSWER)
    assert done.status_code == 200 and "答复已发布" in done.text
    again = post(clerk, f"/console/consultations/{consult_id}/answer", text="再改一次")
    assert again.status_code == 409

    read = villager.get("/ssb/zx/a", params={"code": code})
    assert 'id="state">已答复<' in read.text and ANSWER in read.text and QUESTION in read.text
    for personal in (PHONE, "139****2345", "139"):
        assert personal not in read.text
    assert read.headers["cache-control"] == "private, no-cache"
    assert (
        villager.get("/ssb/zx/a", params={"code": code}, headers={"If-None-Match": read.headers["etag"]}).status_code
        == 304
    )
    with console.county.session() as db:
        actions = db.scalars(select(AuditLog.action).where(AuditLog.target == f"consult:{consult_id}")).all()
    assert actions == ["consult.ask", "consult.answer"]


def test_each_unit_sees_its_own_and_the_bureau_reassigns(console):
    with console.county.session() as db:
        general, _ = consultations.create(db, None, question="代办点收不收手续费？", source="hotline", recorded_by="t")
        db.commit()
        general_id = general.id
    assert general.unit_code is None  # no item: the bureau answers
    clerk, town, finance = staff(console, "department"), staff(console, "township_a"), staff(console, "finance")
    assert clerk.get(f"/console/consultations/{general_id}").status_code == 404
    assert f"/console/consultations/{general_id}" not in clerk.get("/console/consultations").text
    assert town.get("/console/consultations").status_code == 403
    assert "咨询（2 个工作日内答复）" not in town.get("/console/").text
    assert finance.get(f"/console/consultations/{general_id}").status_code == 200
    assert post(finance, f"/console/consultations/{general_id}/answer", text=ANSWER).status_code == 403
    assert post(clerk, f"/console/consultations/{general_id}/route", to="scjg").status_code == 403

    bureau = staff(console, "bureau_clerk")
    assert post(bureau, f"/console/consultations/{general_id}/route", to="").status_code == 400
    moved = post(bureau, f"/console/consultations/{general_id}/route", to="scjg")
    assert moved.status_code == 200 and "已转给县市监局" in moved.text
    assert clerk.get(f"/console/consultations/{general_id}").status_code == 200
    with console.county.session() as db:
        row = db.get(Consultation, general_id)
        assert row.due_date.isoformat() == "2026-12-01"  # reassigning does not restart the clock
        assert db.scalar(select(AuditLog.detail).where(AuditLog.action == "consult.route")) == {
            "before": None,
            "after": "scjg",
        }


def test_the_desk_reminds_of_due_soon_and_overdue(console):
    with console.county.session() as db:
        consultations.create(db, None, question="营业执照办好了去哪里拿？", item_code="FL015", source="phone")
        db.commit()
    desk = staff(console, "department").get("/console/").text
    assert 'id="consult-open">1<' in desk
    assert 'id="consult-due-soon">0<' in desk and 'id="consult-overdue">0<' in desk
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=CHINA_TZ), tick=False):  # due tomorrow
        assert 'id="consult-due-soon">1<' in staff(console, "department").get("/console/").text
        assert 'id="consult-due-soon">1<' in staff(console, "bureau_clerk").get("/console/").text
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=CHINA_TZ), tick=False):  # a day late
        clerk = staff(console, "department")
        desk = clerk.get("/console/").text
        assert 'id="consult-overdue">1<' in desk and "已超过答复期限" in desk
        assert 'id="overdue-alert"' in clerk.get("/console/consultations").text


def test_wrong_query_codes_are_throttled_per_address(console):
    limits = Limits(consult_misses_per_address=3)
    villager = public(console, limits)
    code = code_of(ask(villager).text)
    for wrong in ("ABCD-EFGH-JKMN", "not a code", "2345-6789-ABCD"):
        response = villager.get("/ssb/zx/a", params={"code": wrong})
        assert response.status_code == 404 and "没有找到" in response.text and QUESTION not in response.text
    refused = villager.get("/ssb/zx/a", params={"code": code})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert QUESTION not in refused.text
    elsewhere = public(console, limits, address="10.9.9.9")
    assert elsewhere.get("/ssb/zx/a", params={"code": code}).status_code == 200


def _solve(html: str) -> tuple[str, str]:
    words = {challenge.chinese_number(n): n for n in range(100)}
    found = re.search(r"请先算一算：(.+?)(加|减)(.+?)等于几？", html)
    assert found, "no challenge on the form"
    a, b = words[found.group(1)], words[found.group(3)]
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    return token, str(a + b if found.group(2) == "加" else a - b)


def test_a_question_posted_from_another_site_is_refused_and_what_was_typed_stays(console):
    villager = public(console)
    token = form_token(villager)
    cases = [
        {"data": {"question": QUESTION}},  # no token: a form that did not come from our page
        {"data": {"question": QUESTION, "ft": token + "x"}},
        {"data": {"question": QUESTION, "ft": token}, "headers": {"Origin": "https://evil.example"}},
        {"data": {"question": QUESTION, "ft": token}, "headers": {"Sec-Fetch-Site": "cross-site"}},
    ]
    for sent in cases:
        refused = villager.post("/ssb/zx", **sent)
        assert refused.status_code == 403, sent
        assert "这一页已经过期" in refused.text and QUESTION in refused.text  # nothing typed is lost
    stranger = public(console, address="10.9.9.9")  # its own cookie: another visitor's token is no use
    assert stranger.post("/ssb/zx", data={"question": QUESTION, "ft": token}).status_code == 403
    with console.county.session() as db:
        assert db.scalars(select(Consultation)).all() == []
    again = re.search(r'name="ft" value="([^"]+)"', refused.text).group(1)
    sent = villager.post("/ssb/zx", data={"question": QUESTION, "ft": again}, headers={"Origin": "http://testserver"})
    assert sent.status_code == 200 and code_of(sent.text)


def test_a_hammered_form_asks_for_a_sum_then_stops_taking_questions(console):
    villager = public(console, Limits(consult_asks_before_challenge=2, consult_asks_per_address=6))
    assert "请先算一算" not in villager.get("/ssb/zx").text
    for _ in range(2):
        assert ask(villager).status_code == 200
    form = villager.get("/ssb/zx").text  # the third: a challenge, no script
    assert "请先算一算" in form and "<script" not in form.lower()
    unsolved = ask(villager)
    assert unsolved.status_code == 400 and "验证题" in unsolved.text and QUESTION in unsolved.text
    token, solution = _solve(unsolved.text)
    assert ask(villager, token=token, solution=str(int(solution) + 1)).status_code == 400  # wrong: used up
    assert ask(villager, token=token, solution=solution).status_code == 400  # even right, it was used
    token, solution = _solve(villager.get("/ssb/zx").text)
    assert ask(villager, token=token, solution=solution).status_code == 200
    assert ask(villager, token=token, solution=solution).status_code == 429  # a 7th ask: past the limit
    with console.county.session() as db:
        assert len(db.scalars(select(Consultation)).all()) == 3
    other = public(console, Limits(consult_asks_before_challenge=2, consult_asks_per_address=6), address="10.7.7.7")
    assert "请先算一算" not in other.get("/ssb/zx").text


def test_a_challenge_is_bound_to_its_address_and_expires(console):
    key = console.county.settings.challenge_key()
    made = challenge.make(key, "10.1.1.1", ttl_seconds=60)
    words = {challenge.chinese_number(n): n for n in range(100)}
    a, op, b = re.fullmatch(r"(.+?)(加|减)(.+?)等于几？", made.question).groups()
    right = str(words[a] + words[b] if op == "加" else words[a] - words[b])
    with console.county.session() as db:
        with pytest.raises(CountyError):
            challenge.check(db, key, made.token, right, "10.2.2.2")  # solved elsewhere: refused
        again = challenge.make(key, "10.1.1.1", ttl_seconds=60)
        with time_machine.travel(datetime(2026, 11, 27, 9, 45, tzinfo=CHINA_TZ)), pytest.raises(CountyError):
            challenge.check(db, key, again.token, _answer(again.question, words), "10.1.1.1")
        fresh = challenge.make(key, "10.1.1.1", ttl_seconds=60)
        challenge.check(db, key, fresh.token, _answer(fresh.question, words), "10.1.1.1")
        db.commit()
        assert db.scalar(select(PublicAttempt.kind).where(PublicAttempt.key == fresh.token[:16])) == "nonce"
    assert challenge.read_answer("十二") == 12 and challenge.read_answer("１２") == 12


def _answer(question: str, words: dict[str, int]) -> str:
    a, op, b = re.fullmatch(r"(.+?)(加|减)(.+?)等于几？", question).groups()
    return str(words[a] + words[b] if op == "加" else words[a] - words[b])


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("<b>快来</b>看看这个", "网页代码"),
        ("<script>alert(1)</script>", "网页代码"),
        ("办证请加微信 www.example.com 咨询", "网址"),
        ("请看 https://example.cn/a", "网址"),
        ("你好", "太短"),
        ("问" * 1001, "最多 1000 个字"),
        ("问题里有\u202e方向控制符", "问题"),
    ],
)
def test_markup_links_and_bad_lengths_are_refused_and_nothing_is_stored(console, question, words):
    refused = ask(public(console), question)
    assert refused.status_code == 400 and words in refused.text
    with console.county.session() as db:
        assert db.scalars(select(Consultation)).all() == []


def test_text_is_stored_plain_and_shown_escaped(console):
    villager = public(console)
    code = code_of(ask(villager, "低保 3<5 岁的孩子能不能一起申请 & 怎么办？").text)
    read = villager.get("/ssb/zx/a", params={"code": code}).text
    assert "3&lt;5" in read and "&amp; 怎么办" in read


def test_bureau_staff_type_in_a_hotline_call(console):
    bureau = staff(console, "bureau_clerk")
    form = bureau.get("/console/consultations/new")
    assert form.status_code == 200
    made = post(bureau, "/console/consultations/new", source="hotline", question=QUESTION, item="FL015", phone=PHONE)
    assert made.status_code == 200 and "转给县市监局" in made.text
    code = code_of(made.text)
    with console.county.session() as db:
        row = db.scalars(select(Consultation)).one()
        assert (row.source, row.recorded_by) == ("hotline", f"staff:{console.users['bureau_clerk'].username}")
    page = bureau.get(f"/console/consultations/{row.id}").text
    assert "12345 热线" in page
    shown = post(bureau, f"/console/consultations/{row.id}/phone")
    assert f'id="full-phone">{PHONE}<' in shown.text
    assert public(console).get("/ssb/zx/a", params={"code": code}).status_code == 200
    bad = post(bureau, "/console/consultations/new", source="counter", question=QUESTION)
    assert bad.status_code == 400


def test_response_times_per_unit_for_the_bureau(console):
    from county.services.scope import Scope
    from county.services.staff import StaffRole

    bureau = Scope(StaffRole.BUREAU_CLERK)
    with console.county.session() as db:
        quick, _ = consultations.create(db, None, question="营业执照要多久？", item_code="FL015", source="phone")
        slow, _ = consultations.create(db, None, question="代办点收费吗？", source="hotline")
        consultations.create(db, None, question="社保怎么交？", source="hotline")  # still waiting
        consultations.answer(db, bureau, quick.id, ANSWER, actor="t")
        db.commit()
        with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=CHINA_TZ), tick=False):
            consultations.answer(db, bureau, slow.id, "不收费。", actor="t")  # received Fri 27: 4 working days
            db.commit()
        times = {t.unit: t for t in consultations.response_times(db, bureau)}
    assert (times["县市监局"].answered, times["县市监局"].late, times["县市监局"].average_workdays) == (1, 0, 0.0)
    office = times["县政务服务管理局"]
    assert (office.answered, office.late, office.slowest_workdays, office.waiting) == (1, 1, 4, 1)
    page = staff(console, "bureau_clerk").get("/console/consultations").text
    assert 'id="times-rows"' in page and "县市监局" in page
    assert 'id="times-rows"' not in staff(console, "department").get("/console/consultations").text
