"""The item list (事项清单) of the 专区: the county's current catalogue by category, and where each item is offered.

Items come from the newest catalogue the county knows (county/services/catalogues.py). An item with no
township list is offered in every township; otherwise only in the townships the catalogue names that the
county has.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.models import Township
from county.services import catalogues, guides
from sync.ledger.catalogue import FLOW_LABELS, Catalogue, Item
from sync.ledger.flowcharts import Flowchart, sample_for


@dataclass(frozen=True)
class ItemPage:
    item: Item
    flow_label: str
    units: tuple[str, ...]
    townships: tuple[str, ...]
    guide: Flowchart | None  # the sample guide (materials, time limit), shown labelled 示例
    official: guides.GuideView | None  # the guide its department approved, if it did
    flowchart: Flowchart | None  # the department's approved flowchart, else the sample (labelled 示例)


def current(session: Session) -> Catalogue:
    return catalogues.catalogue(session)


def by_category(session: Session) -> list[tuple[str, list[Item]]]:
    cat = current(session)
    return [(name, [item for item in cat.items if item.category == name]) for name in cat.categories()]


def townships_offering(session: Session, item: Item) -> tuple[str, ...]:
    towns = session.scalars(select(Township.name).order_by(Township.name)).all()
    return tuple(name for name in towns if item.offered_in(name))


def item_page(session: Session, code: str) -> ItemPage | None:
    cat = current(session)
    item = next((i for i in cat.items if i.code == code), None)
    if item is None:
        return None
    return ItemPage(
        item=item,
        flow_label=FLOW_LABELS[item.flow],
        units=tuple(unit.name for unit in cat.units_of(item)),
        townships=townships_offering(session, item),
        guide=sample_for(item.code),
        official=_approved(session, item.code),
        flowchart=guides.flowchart_for(session, item.code),
    )


def _approved(session: Session, code: str) -> guides.GuideView | None:
    view = guides.guide_for(session, code)
    return view if view.approved else None
