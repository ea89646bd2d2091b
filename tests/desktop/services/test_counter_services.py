"""The counter's Qt-free services: item search, login throttle, settings, failure sorting, ledger queries."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from desktop import demo
from desktop.services import practice
from desktop.services.cases import CaseFilter, CaseQueries
from desktop.services.failures import classify
from desktop.services.items import ItemIndex
from desktop.services.login import LoginThrottle, attempt, wait_after
from desktop.services.recording import save_case
from desktop.settings import SETTINGS, Settings, docs_table
from sync.ledger.forms import FormErrors
from tests.factories import PASSWORD, make_case_draft, make_case_form, make_store

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("jnhf", "缴纳话费"),
        ("JNHF", "缴纳话费"),
        ("huafei", "缴纳话费"),
        ("缴纳电", "缴纳电费"),
        ("ybkjh", "医保卡激活"),
        ("yidi", "异地就医备案"),
        ("gtgshsl", "个体工商户设立登记"),
        ("ｊｎｈｆ", "缴纳话费"),
        ("fl020", "临时占用城市道路、挖掘城市道路"),
    ],
)
def test_items_are_found_by_chinese_pinyin_or_initials(catalogue, typed, first):
    assert ItemIndex(catalogue).search(typed)[0].name == first


def test_item_search_by_category_and_usage(catalogue):
    index = ItemIndex(catalogue)
    assert {item.category for item in index.search("", category="行政审批")} == {"行政审批"}
    assert index.search("", usage={"FL014": 9})[0].code == "FL014"
    assert index.search("zzzz") == []


def test_the_wait_grows_after_three_wrong_passwords():
    assert [wait_after(n) for n in range(1, 9)] == [0, 0, 0, 5, 10, 20, 40, 80]
    assert wait_after(30) == 300


def test_wrong_passwords_are_counted_and_a_right_one_clears_them(tmp_path):
    folder = tmp_path / "data"
    make_store(folder).close()
    now = [100.0]
    throttle = LoginThrottle(folder, clock=lambda: now[0])
    for n in range(1, 5):
        outcome = attempt(folder, "wrong-one", throttle)
        assert outcome.counter is None and f"已连续输错 {n} 次" in outcome.message
    assert outcome.wait_s == 5 and "请等 5 秒" in outcome.message
    assert "请等" in attempt(folder, PASSWORD, throttle).message  # refused early, before any key derivation
    now[0] += 5
    ok = attempt(folder, PASSWORD, throttle)
    assert ok.counter is not None and throttle.failures == 0
    ok.counter.close()
    assert not (folder / "login-throttle.json").exists()


def test_settings_are_kept_and_bad_values_fall_back(tmp_path):
    settings = Settings.load(tmp_path)
    assert settings.get("text_size") == "standard" and settings.text_points == 14
    settings.set("text_size", "xlarge")
    settings.set("paper", "a4")
    assert Settings.load(tmp_path).get("text_size") == "xlarge"
    with pytest.raises(ValueError):
        settings.set("paper", "letter")
    (tmp_path / "settings.json").write_text('{"text_size": "huge", "paper": "roll58", "other": 1}', encoding="utf-8")
    loaded = Settings.load(tmp_path)
    assert loaded.get("text_size") == "standard" and loaded.get("paper") == "roll58"
    (tmp_path / "settings.json").write_text("{not json", encoding="utf-8")
    assert Settings.load(tmp_path).get("paper") == "roll80"


def test_the_docs_list_every_setting():
    text = (ROOT / "docs" / "counter-app.md").read_text(encoding="utf-8")
    assert docs_table() in text
    assert all(f"`{setting.key}`" in text for setting in SETTINGS)


def test_the_practice_password_is_the_demo_one():
    assert practice.PASSWORD == demo.TRAINING_PASSWORD


def test_known_failures_are_sorted_from_bugs():
    locked = OperationalError("INSERT", {}, Exception("database is locked"))
    assert classify(locked).kind == "locked"
    assert classify(OSError(errno.ENOSPC, "No space left on device")).kind == "disk_full"
    assert "没有保存" in classify(locked).message
    assert classify(KeyError("case")) is None


def test_saving_a_case_and_saving_with_completion(counter):
    saved = save_case(counter, make_case_form(), complete=True)
    assert saved.completed and counter.store.head().seq == 2
    with pytest.raises(FormErrors) as refused:
        save_case(counter, make_case_form(item_code="FL011", amount=None), complete=True)
    assert "不能当场办结" in refused.value.errors["item_code"]
    assert counter.store.head().seq == 2


def test_ledger_queries_page_from_both_ends(counter):
    counter.append(*(make_case_draft(amount=str(10 + n)) for n in range(25)))
    queries = CaseQueries(counter.store, counter.catalogue)
    newest_first = [row.amount_fen for row in queries.page(CaseFilter(), 0, 25)]
    assert newest_first == sorted(newest_first, reverse=True)
    tail = queries.page(CaseFilter(), 20, 10, total=25)  # counted from the oldest end
    assert [row.amount_fen for row in tail] == newest_first[20:]
