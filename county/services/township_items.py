"""Which of 附件1's items each township offers (乡镇开办事项), edited by the bureau.

The choice lives where the counters already read it: each item's ``townships`` in the catalogue (None: every
township). Changing a township's items publishes a new catalogue version (the last number goes up by one), so
counters show only their township's items after their next sync, and ingest checks a case against the version
it was recorded with (county/services/cases.py flags, not refuses, an item not offered there).
"""

from __future__ import annotations

import copy

from sqlalchemy import select
from sqlalchemy.orm import Session

import resources
from county.errors import CountyError, Refusal
from county.models import CatalogueVersion, CountyEvent, Township
from county.services import catalogues
from county.services.common import audit
from sync.clock import china_today
from sync.ledger.catalogue import Catalogue, bundled_versions


def newest_data(session: Session) -> dict:
    """The newest catalogue as published data (a shipped file or what the bureau published)."""
    version = catalogues.known_versions(session)[-1]
    if version in bundled_versions():
        return resources.read_json("catalogue", version, "catalogue.json")
    return copy.deepcopy(session.get(CatalogueVersion, version).data)


def next_version(version: str) -> str:
    *head, last = version.split(".")
    return ".".join([*head, str(int(last) + 1)])


def offered(catalogue: Catalogue, township: str) -> frozenset[str]:
    return frozenset(item.code for item in catalogue.items if item.offered_in(township))


def set_items(session: Session, township_id: int, codes: set[str], *, actor: str) -> CountyEvent:
    """Offer exactly ``codes`` in one township; every other township keeps what it had."""
    town = session.get(Township, township_id)
    if town is None:
        raise CountyError(Refusal.NOT_FOUND, "no_township", "没有这个乡镇。")
    if not codes:
        raise CountyError(Refusal.INVALID, "no_items", f"请至少勾选一个{town.name}开办的事项。")
    newest = catalogues.catalogue(session)
    if unknown := sorted(codes - {item.code for item in newest.items}):
        raise CountyError(Refusal.INVALID, "no_item", f"事项清单里没有这个事项：{unknown[0]}。")
    before = offered(newest, town.name)
    if before == codes:
        raise CountyError(Refusal.CONFLICT, "no_change", f"{town.name}开办的事项没有改动，没有发布新版本。")
    everyone = set(session.scalars(select(Township.name)))
    data = newest_data(session)
    for raw in data["items"]:
        towns = everyone if raw.get("townships") is None else set(raw["townships"])
        towns = towns | {town.name} if raw["code"] in codes else towns - {town.name}
        if not towns:
            raise CountyError(
                Refusal.INVALID,
                "item_nowhere",
                f"“{raw['name']}”至少要在一个乡镇开办；要停办全县的事项，请发布新版事项清单。",
            )
        raw["townships"] = None if towns >= everyone else sorted(towns)
    data["version"] = next_version(newest.version)
    data["published_date"] = china_today().isoformat()
    event = catalogues.publish(session, data, actor=actor)
    audit(
        session,
        actor,
        "township.items",
        f"township:{town.id}",
        township=town.name,
        version=data["version"],
        before=sorted(before),
        after=sorted(codes),
    )
    return event
