"""Notices (通知公告) the bureau or a township sends to agent points through the pull feed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import CountyEvent
from county.services import texts
from county.services.admin import point_by_code
from county.services.common import audit, iso, utcnow

MAX_TEXT = 1000


def publish_notice(session: Session, title: str, text: str, *, point_code: str | None, actor: str) -> CountyEvent:
    """To one point, or to every point when ``point_code`` is None."""
    title = texts.line(title, field="title", label="通知标题", max_len=60, required=False)
    text = texts.paragraph(text, field="text", label="通知内容", max_len=MAX_TEXT, required=False)
    if not title or not text:
        raise CountyError(Refusal.INVALID, "notice_empty", "通知的标题和内容都要填写。")
    if len(title) > 60 or len(text) > MAX_TEXT:
        raise CountyError(Refusal.INVALID, "notice_too_long", f"通知标题最多 60 字，内容最多 {MAX_TEXT} 字。")
    point_id = point_by_code(session, point_code).id if point_code else None
    event = CountyEvent(
        point_id=point_id,
        kind="notice",
        created_at=utcnow(),
        payload={"title": title, "text": text, "published_at": iso(utcnow()), "from": actor},
    )
    session.add(event)
    audit(session, actor, "notice.publish", f"point:{point_code or 'all'}", title=title)
    return event
