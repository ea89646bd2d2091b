"""Catalogue versions at the county: the shipped ones plus those the bureau publishes later."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import CatalogueVersion, CountyEvent
from county.services.common import audit, utcnow
from sync.ledger.catalogue import (
    Catalogue,
    CatalogueError,
    bundled_versions,
    catalogue_digest,
    load_catalogue,
    load_units,
    parse_catalogue,
    version_key,
)

_parsed: dict[str, Catalogue] = {}  # by digest: a published version never changes


def known_versions(session: Session) -> list[str]:
    published = session.scalars(select(CatalogueVersion.version)).all()
    return sorted({*bundled_versions(), *published}, key=version_key)


def catalogue(session: Session, version: str | None = None) -> Catalogue:
    """A catalogue by version (the newest when None); raises CatalogueError for an unknown version."""
    version = version or known_versions(session)[-1]
    if version in bundled_versions():
        return load_catalogue(version)
    row = session.get(CatalogueVersion, version)
    if row is None:
        raise CatalogueError(f"没有这个版本的事项清单：{version}")
    if row.digest not in _parsed:
        _parsed[row.digest] = parse_catalogue(row.data, load_units())
    return _parsed[row.digest]


def publish(session: Session, data: dict, *, actor: str) -> CountyEvent:
    """Check a new version and send it to every point; versions only move forward."""
    try:
        parsed = parse_catalogue(data, load_units())
    except CatalogueError as exc:
        raise CountyError(Refusal.INVALID, "catalogue_invalid", f"事项清单有问题，不能发布：{exc}") from exc
    newest = known_versions(session)[-1]
    if version_key(parsed.version) <= version_key(newest):
        raise CountyError(Refusal.CONFLICT, "catalogue_old", f"新版本号 {parsed.version} 必须比现有的 {newest} 新。")
    digest = catalogue_digest(data)
    session.add(CatalogueVersion(version=parsed.version, data=data, digest=digest, published_at=utcnow()))
    event = CountyEvent(
        point_id=None,
        kind="catalogue",
        created_at=utcnow(),
        payload={"version": parsed.version, "digest": digest, "data": data},
    )
    session.add(event)
    audit(session, actor, "catalogue.publish", f"catalogue:{parsed.version}", digest=digest)
    return event
