"""Guides (办事指南) per item: the text and the materials list the bureau or the item's department writes.

Until the department that handles the item approves its guide, the guide is a sample (示例) and is shown as
one. An item nobody has written yet shows the catalogue's own guide, also as a sample. Saving new text takes
the approval away again: the department approves what the public will read, not an earlier version.
``guide_for`` is what the public pages (专区) read.

The guide also carries the item's flowchart (流程图, sync/ledger/flowcharts.py): steps typed one a line as
``谁 | 做什么 | 用时``, approved together with the text. ``flowchart_for`` is what the 专区 and the wall poster
draw: the department's own once approved, otherwise the shipped sample, marked as one. Counters draw it too:
approving a guide with steps puts the approved flowchart on every point's pull feed (``flowchart``, feed 4), and
an edit that takes an approved flowchart's approval away puts its withdrawal there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import CountyEvent, Guide
from county.services import catalogues, texts
from county.services.common import audit, aware, utcnow
from sync.ledger.catalogue import CatalogueError, Item
from sync.ledger.events import CHINA_TZ
from sync.ledger.flowcharts import (
    Flowchart,
    FlowchartError,
    FlowStep,
    parse_steps,
    sample_for,
    steps_from_data,
    steps_to_data,
)
from sync.wire import FlowchartNotice

MAX_TEXT = 3000
MAX_MATERIALS = 30


@dataclass(frozen=True)
class GuideView:
    item_code: str
    item_name: str
    text: str
    materials: tuple[str, ...]
    approved: bool
    approved_by: str | None
    approved_at: datetime | None
    written: bool  # False: nobody wrote one yet, the catalogue's guide is shown
    steps: tuple[FlowStep, ...] = ()  # the flowchart as entered; () = none entered, the sample stands

    @property
    def sample(self) -> bool:
        return not self.approved


def _item(session: Session, item_code: str) -> Item:
    try:
        return catalogues.catalogue(session).by_code(item_code[:10])
    except CatalogueError:
        raise CountyError(Refusal.NOT_FOUND, "no_item", "事项清单里没有这个事项。") from None


def _catalogue_text(item: Item) -> str:
    guide = item.guide
    lines = [f"办理步骤：{step}" for step in guide.steps]
    lines += [f"办理时限：{guide.time_limit_text}", f"收费：{guide.fee_text}", f"咨询：{guide.query_text}"]
    return "\n".join(line for line in lines if not line.endswith("："))


def _catalogue_materials(item: Item) -> tuple[str, ...]:
    return tuple(f"{m.name}（{m.form_label}{f' {m.copies} 份' if m.copies > 1 else ''}）" for m in item.guide.materials)


def guide_for(session: Session, item_code: str) -> GuideView:
    """An item's guide as the public reads it: text, materials, whether its department approved it."""
    item = _item(session, item_code)
    row = session.get(Guide, item.code)
    if row is None:
        return GuideView(
            item.code, item.name, _catalogue_text(item), _catalogue_materials(item), False, None, None, False
        )
    return GuideView(
        item.code,
        item.name,
        row.text,
        tuple(row.materials),
        row.approved,
        row.approved_by,
        row.approved_at,
        True,
        steps_from_data(row.steps or []),
    )


def flowchart_for(session: Session, item_code: str) -> Flowchart | None:
    """The flowchart the public sees: the department's own once it approved it, otherwise the sample (marked
    as one); None when there is neither."""
    view = guide_for(session, item_code)
    if view.approved and view.steps:
        time_limit = _item(session, item_code).guide.time_limit_text
        return Flowchart(view.item_code, view.steps, time_limit, (), sample=False)
    return sample_for(view.item_code)


def _tell_counters(session: Session, notice: FlowchartNotice) -> None:
    """The flowchart as approved, or its withdrawal, on every point's pull feed."""
    now = utcnow()
    session.add(CountyEvent(point_id=None, kind="flowchart", payload=notice.model_dump(mode="json"), created_at=now))


def may_edit(item: Item, *, bureau: bool, unit_code: str | None) -> bool:
    return bureau or (unit_code is not None and unit_code in item.guide.unit_codes)


def save(
    session: Session,
    item_code: str,
    text: str,
    materials_text: str,
    *,
    actor: str,
    bureau: bool,
    unit_code: str | None,
    steps_text: str | None = None,
) -> Guide:
    """New text, materials (one a line) and, when given, flowchart steps (one a line, empty: back to the
    sample); the guide becomes a sample again until its department approves."""
    item = _item(session, item_code)
    if not may_edit(item, bureau=bureau, unit_code=unit_code):
        raise CountyError(Refusal.FORBIDDEN, "not_your_item", "这个事项不归你的单位办理，不能修改它的办事指南。")
    text = texts.paragraph(text, field="text", label="办事指南", max_len=MAX_TEXT, required=False)
    materials = [
        texts.line(line, field="materials", label="材料", max_len=100, required=False)
        for line in materials_text.splitlines()
    ]
    materials = [m for m in materials if m]
    if not text or not materials:
        raise CountyError(Refusal.INVALID, "guide_empty", "办事指南的说明和材料清单都要填写（材料一行一项）。")
    if len(materials) > MAX_MATERIALS:
        raise CountyError(Refusal.INVALID, "guide_long", f"材料清单最多 {MAX_MATERIALS} 项。")
    try:
        steps = parse_steps(steps_text) if steps_text is not None else None
    except FlowchartError as exc:
        raise CountyError(Refusal.INVALID, "flowchart_bad", exc.message) from None
    before = guide_for(session, item.code)
    row = session.get(Guide, item.code) or Guide(item_code=item.code)
    if steps is not None:
        row.steps = steps_to_data(steps) or None
    row.text, row.materials, row.updated_by, row.updated_at = text, materials, actor, utcnow()
    row.approved, row.approved_by, row.approved_at = False, None, None
    session.add(row)
    if before.approved and before.steps:  # the counters stop drawing it as approved
        _tell_counters(session, FlowchartNotice(item_code=item.code, withdrawn=True))
    audit(
        session,
        actor,
        "guide.edit",
        f"item:{item.code}",
        before={
            "text": before.text,
            "materials": list(before.materials),
            "steps": steps_to_data(before.steps),
            "approved": before.approved,
        },
        after={"text": text, "materials": materials, "steps": row.steps or [], "approved": False},
    )
    return row


def approve(session: Session, item_code: str, *, actor: str, unit_code: str | None) -> Guide:
    """The item's department approves the guide as written: it stops being a sample."""
    item = _item(session, item_code)
    if unit_code is None or unit_code not in item.guide.unit_codes:
        raise CountyError(Refusal.FORBIDDEN, "not_your_item", "只有办理这个事项的部门才能审核它的办事指南。")
    row = session.get(Guide, item.code)
    if row is None:
        raise CountyError(Refusal.CONFLICT, "guide_unwritten", "这个事项还没有写办事指南，请先填写并保存，再审核。")
    if row.approved:
        raise CountyError(Refusal.CONFLICT, "guide_approved", "这份办事指南已经审核过了。")
    row.approved, row.approved_by, row.approved_at = True, actor, utcnow()
    if row.steps:
        approved_on = aware(row.approved_at).astimezone(CHINA_TZ).date().isoformat()
        notice = FlowchartNotice.model_validate(
            {"item_code": item.code, "steps": row.steps, "approved_on": approved_on}, strict=False
        )
        _tell_counters(session, notice)
    audit(session, actor, "guide.approve", f"item:{item.code}", before={"approved": False}, after={"approved": True})
    return row
