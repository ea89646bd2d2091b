"""Notices (通知公告) the bureau or a township sends to agent points through the pull feed, and the ones it also
makes public as policy news (政策资讯) in the 专区 from a chosen day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import CountyEvent
from county.services import texts
from county.services.admin import point_by_code
from county.services.common import audit, iso, utcnow
from sync.ledger.events import CHINA_TZ

MAX_TEXT = 1000
NEWS_LIMIT = 200  # the newest public notices the 专区 lists


@dataclass(frozen=True)
class News:
    """A public notice as the 专区 shows it: plain text, never HTML."""

    id: int
    title: str
    text: str
    date: str  # the China-time day it became public, YYYY-MM-DD


def china_today() -> date:
    return utcnow().astimezone(CHINA_TZ).date()


def _public_from(raw: str | None) -> str:
    if not raw:
        return china_today().isoformat()
    try:
        return date.fromisoformat(raw.strip()).isoformat()
    except ValueError as exc:
        raise CountyError(Refusal.INVALID, "bad_date", "公开日期要写成 2026-12-01 这样的格式。") from exc


def publish_notice(
    session: Session,
    title: str,
    text: str,
    *,
    point_code: str | None,
    actor: str,
    public: bool = False,
    public_from: str | None = None,
) -> CountyEvent:
    """To one point, or to every point when ``point_code`` is None. A county-wide notice may also be made public
    in the 专区 (``public``), from ``public_from`` (a China-time day, today when empty)."""
    title = texts.line(title, field="title", label="通知标题", max_len=60, required=False)
    text = texts.paragraph(text, field="text", label="通知内容", max_len=MAX_TEXT, required=False)
    if not title or not text:
        raise CountyError(Refusal.INVALID, "notice_empty", "通知的标题和内容都要填写。")
    if len(title) > 60 or len(text) > MAX_TEXT:
        raise CountyError(Refusal.INVALID, "notice_too_long", f"通知标题最多 60 字，内容最多 {MAX_TEXT} 字。")
    if public and point_code:
        raise CountyError(Refusal.INVALID, "notice_public_one", "只发给一个代办点的通知不能在专区公开。")
    point_id = point_by_code(session, point_code).id if point_code else None
    payload = {"title": title, "text": text, "published_at": iso(utcnow()), "from": actor}
    if public:
        payload |= {"public": True, "public_from": _public_from(public_from)}
    event = CountyEvent(point_id=point_id, kind="notice", created_at=utcnow(), payload=payload)
    session.add(event)
    audit(session, actor, "notice.publish", f"point:{point_code or 'all'}", title=title, public=bool(public))
    return event


def _news(event: CountyEvent) -> News | None:
    payload = event.payload or {}
    if event.point_id is not None or not payload.get("public"):
        return None
    return News(event.id, payload.get("title", ""), payload.get("text", ""), payload.get("public_from", ""))


def public_news(session: Session) -> list[News]:
    """The public notices whose day has come (China time), newest first."""
    rows = session.scalars(
        select(CountyEvent)
        .where(CountyEvent.kind == "notice", CountyEvent.point_id.is_(None))
        .order_by(CountyEvent.id.desc())
        .limit(NEWS_LIMIT * 2)
    )
    today = china_today().isoformat()
    found = [news for event in rows if (news := _news(event)) and news.date <= today]
    return sorted(found, key=lambda news: (news.date, news.id), reverse=True)[:NEWS_LIMIT]


def public_notice(session: Session, notice_id: int) -> News | None:
    """One public notice by id; None when it is not public or its day has not come."""
    event = session.get(CountyEvent, notice_id)
    if event is None or event.kind != "notice" or (news := _news(event)) is None:
        return None
    return news if news.date <= china_today().isoformat() else None
