"""Flowcharts (流程图) as data: the steps of an item, who does each and how long it takes.

One source draws the flowchart on the counter (desktop/ui/guides_page.py, desktop/services/flowcharts.py), on the wall poster (上墙公示,
county/services/point_papers.py) and on the 专区's item page. The shipped sample for each of 附件1's 20 items
lives in ``resources/guides/sample_guides.json``; it is a sample (示例) until the item's department enters
or approves its own in the console (county/services/guides.py), and wherever a sample is shown or printed
it carries ``SAMPLE_LABEL``. Both the counter and the county read it from here: neither may import the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import resources

SAMPLE_LABEL = "示例，以部门审定为准"
SAMPLE_MARK = "示例"
MAX_STEPS = 12
MAX_WHO = 20
MAX_WHAT = 60
MAX_TIME = 30
SEPARATORS = ("|", "｜")


class FlowchartError(ValueError):
    """A flowchart as typed cannot be kept; ``message`` says why in plain Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FlowStep:
    who: str  # 申请人, 代办员, or the department or company that acts
    what: str
    time: str  # how long this step takes, in words (当场, 3 个工作日 ...)


@dataclass(frozen=True)
class GuideMaterial:
    name: str
    form: str  # 原件 / 复印件 / 原件及复印件
    copies: int
    required: bool

    @property
    def brief(self) -> str:
        copies = f" {self.copies} 份" if self.copies > 1 else ""
        return f"{self.name}（{self.form}{copies}{'' if self.required else '，如有'}）"


@dataclass(frozen=True)
class Flowchart:
    """An item's flowchart with the time limit and materials that go with it on the 专区 and the poster."""

    item_code: str
    steps: tuple[FlowStep, ...]
    time_limit: str
    materials: tuple[GuideMaterial, ...]
    sample: bool  # True: not approved by its department; always shown and printed labelled SAMPLE_LABEL
    approved_on: str = ""  # YYYY-MM-DD the department approved it, where known (the counter's, from the feed)


@lru_cache(maxsize=1)
def _samples() -> dict[str, Flowchart]:
    data = resources.read_json("guides", "sample_guides.json")
    return {
        code: Flowchart(
            item_code=code,
            steps=tuple(FlowStep(**s) for s in raw["steps"]),
            time_limit=raw["time_limit"],
            materials=tuple(GuideMaterial(**m) for m in raw["materials"]),
            sample=True,
        )
        for code, raw in data["items"].items()
    }


def sample_for(item_code: str) -> Flowchart | None:
    """The shipped sample flowchart of an item (marked sample), or None when none was written for it."""
    return _samples().get(item_code[:10])


def sample_codes() -> frozenset[str]:
    return frozenset(_samples())


def steps_from_data(raw: list[dict]) -> tuple[FlowStep, ...]:
    """Steps as stored (a list of {who, what, time}) back to ``FlowStep``s."""
    return tuple(FlowStep(str(s["who"]), str(s["what"]), str(s["time"])) for s in raw)


def steps_to_data(steps: tuple[FlowStep, ...]) -> list[dict]:
    return [{"who": s.who, "what": s.what, "time": s.time} for s in steps]


def steps_text(steps: tuple[FlowStep, ...]) -> str:
    """Steps as typed in the console: one a line, ``谁 | 做什么 | 用时``."""
    return "\n".join(f"{s.who} | {s.what} | {s.time}" for s in steps)


def parse_steps(text: str) -> tuple[FlowStep, ...]:
    """Steps typed one a line as ``谁 | 做什么 | 用时``; blank lines are skipped, anything else is refused."""
    steps: list[FlowStep] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = " ".join(line.split())
        if not line:
            continue
        for sep in SEPARATORS[1:]:
            line = line.replace(sep, SEPARATORS[0])
        parts = [part.strip() for part in line.split(SEPARATORS[0])]
        if len(parts) != 3 or not all(parts):
            raise FlowchartError(f"流程图第 {number} 行要写成“谁 | 做什么 | 用时”三段，用竖线隔开，每段都要填。")
        who, what, time = parts
        for value, label, limit in ((who, "谁", MAX_WHO), (what, "做什么", MAX_WHAT), (time, "用时", MAX_TIME)):
            if len(value) > limit:
                raise FlowchartError(f"流程图第 {number} 行的“{label}”最多 {limit} 个字。")
            if any(ord(ch) < 32 for ch in value):
                raise FlowchartError(f"流程图第 {number} 行有不能打印的字符，请删掉后重新输入。")
        steps.append(FlowStep(who, what, time))
    if len(steps) > MAX_STEPS:
        raise FlowchartError(f"流程图最多 {MAX_STEPS} 步，请合并相近的步骤。")
    return tuple(steps)
