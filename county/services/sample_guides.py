"""The sample guide (办事指南) and flowchart (流程图) the 专区 shows for an item: ``sample_for``.

They come from the sample data shipped in ``resources/guides/sample_guides.json`` (written from 附件1's 20
items). Every such guide is marked ``sample`` and the 专区 labels it 示例 (``SAMPLE_LABEL``) wherever it is
shown, never as official. A guide's text and materials that the item's department approved in the console
(county/services/guides.py) replace the sample's materials on the 专区; the flowchart stays a sample until
departments can enter their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import resources

SAMPLE_LABEL = "示例，以部门审定为准"


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


@dataclass(frozen=True)
class PublicGuide:
    item_code: str
    materials: tuple[GuideMaterial, ...]
    steps: tuple[FlowStep, ...]
    time_limit: str
    sample: bool  # True: not approved by its department; shown labelled SAMPLE_LABEL


@lru_cache(maxsize=1)
def _samples() -> dict[str, PublicGuide]:
    data = resources.read_json("guides", "sample_guides.json")
    return {
        code: PublicGuide(
            item_code=code,
            materials=tuple(GuideMaterial(**m) for m in raw["materials"]),
            steps=tuple(FlowStep(**s) for s in raw["steps"]),
            time_limit=raw["time_limit"],
            sample=True,
        )
        for code, raw in data["items"].items()
    }


def sample_for(item_code: str) -> PublicGuide | None:
    """The guide and flowchart of an item, or None when there is none (yet) to show."""
    return _samples().get(item_code)
