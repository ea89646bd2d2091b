"""The shared flowchart data: a sample for every item of every shipped catalogue, marked as one, and the steps a
department types checked line by line."""

from __future__ import annotations

import pytest

import resources
from sync.ledger.catalogue import bundled_versions
from sync.ledger.flowcharts import (
    MAX_STEPS,
    FlowchartError,
    FlowStep,
    parse_steps,
    sample_codes,
    sample_for,
    steps_from_data,
    steps_text,
    steps_to_data,
)


@pytest.mark.parametrize("version", bundled_versions())
def test_every_item_of_every_shipped_catalogue_has_a_sample_flowchart(version):
    items = resources.read_json("catalogue", version, "catalogue.json")["items"]
    assert len(items) == 20 and {item["code"] for item in items} <= sample_codes()
    for item in items:
        chart = sample_for(item["code"])
        assert chart.sample and chart.item_code == item["code"]
        assert 3 <= len(chart.steps) <= MAX_STEPS, item["code"]
        assert all(step.who and step.what and step.time for step in chart.steps), item["code"]
        assert chart.time_limit == item["guide"]["time_limit_text"], item["code"]


def test_typed_steps_round_trip_with_either_bar():
    typed = "申请人 ｜ 带身份证  说明来意 | 当场\n\n代办员|收件、打印回执|当场\n"
    steps = parse_steps(typed)
    assert steps == (FlowStep("申请人", "带身份证 说明来意", "当场"), FlowStep("代办员", "收件、打印回执", "当场"))
    assert parse_steps(steps_text(steps)) == steps
    assert steps_from_data(steps_to_data(steps)) == steps
    assert parse_steps("  \n") == ()  # nothing typed: back to the sample


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("申请人 | 说明来意", "第 1 行要写成“谁 | 做什么 | 用时”"),
        ("申请人 | 说明来意 | 当场\n代办员 |  | 当场", "第 2 行要写成"),
        ("申请人 | 说明 | 当场 | 多一段", "第 1 行要写成"),
        ("申" * 21 + " | 说明 | 当场", "“谁”最多 20 个字"),
        ("申请人 | " + "说" * 61 + " | 当场", "“做什么”最多 60 个字"),
        ("\n".join(["代办员 | 收件 | 当场"] * (MAX_STEPS + 1)), f"最多 {MAX_STEPS} 步"),
    ],
)
def test_steps_typed_wrong_are_refused_in_plain_words(typed, message):
    with pytest.raises(FlowchartError) as refused:
        parse_steps(typed)
    assert message in refused.value.message
