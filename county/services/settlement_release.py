"""解除暂缓: the bureau admin pays a held point in one draft settlement, with a reason written on its line.

Only the holds the bureau itself may weigh are released this way: an open serious inspection finding and a pending
fraud review (``settlement.RELEASABLE``). A tamper flag or a revoked point stays held until it is dealt with on its
own page. The release belongs to the draft version: a rerun of the draft keeps it, a correction (a new version)
starts without it. The point's line is computed again by the same code, and the version's hash with it; the
release is audit-logged with the line before and after.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import Point, Settlement, SettlementLine, SettlementRelease
from county.services import settlement, settlement_sums
from county.services.common import audit, utcnow
from county.services.settlement_hash import content_hash
from county.services.settlement_publish import clawbacks_of, lines_of

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ffff]")
SHOWN = ("hold_reason", "hold_released", "released", "payout", "owed_out", "held_out")


def releasable(session: Session, row: Settlement, point_ids: list[int]) -> dict[int, str]:
    """Of these points, those with a hold the bureau may release now: point id → the reasons it would set aside."""
    if not point_ids:
        return {}
    _held, lifted = settlement.holds_released(session, row.quarter, point_ids, frozenset(point_ids))
    return lifted


def _reason(text: str) -> str:
    reason = " ".join((text or "").split())
    if len(_CJK.findall(reason)) < 4 or len(reason) > 200:
        raise CountyError(
            Refusal.INVALID,
            "reason",
            "请用中文写明解除暂缓的理由（至少 4 个汉字，200 字以内），它会写在结算表上并记入审计日志。没有解除。",
        )
    return reason


def release(session: Session, settlement_id: int, point_id: int, reason_text: str, *, actor: str) -> SettlementLine:
    row = session.get(Settlement, settlement_id)
    if row is None:
        raise CountyError(Refusal.NOT_FOUND, "no_settlement", "没有这份结算。")
    if row.state != settlement.DRAFT:
        raise CountyError(
            Refusal.CONFLICT, "published", "已发布的结算不能解除暂缓；如需更正，请生成新的版本，在草稿中解除。"
        )
    line = session.scalar(
        select(SettlementLine).where(SettlementLine.settlement_id == row.id, SettlementLine.point_id == point_id)
    )
    if line is None or not line.hold_reason:
        raise CountyError(Refusal.CONFLICT, "not_held", "这个代办点在本版草稿中没有暂扣，不需要解除。")
    reason = _reason(reason_text)
    lifted = releasable(session, row, [point_id]).get(point_id)
    if not lifted:
        raise CountyError(
            Refusal.CONFLICT,
            "not_releasable",
            f"{line.point_code} 的暂扣原因（{line.hold_reason}）不能在结算中解除，请先在相应页面处理。没有解除。",
        )
    if session.scalar(
        select(SettlementRelease.id).where(
            SettlementRelease.settlement_id == row.id, SettlementRelease.point_id == point_id
        )
    ):
        raise CountyError(Refusal.CONFLICT, "released", f"{line.point_code} 在本版草稿中已经解除过暂缓。")
    before = {k: getattr(line, k) for k in SHOWN}
    session.add(
        SettlementRelease(
            settlement_id=row.id,
            point_id=point_id,
            held_for=lifted,
            reason=reason,
            released_by=actor,
            released_at=utcnow(),
        )
    )
    session.flush()
    after = _recompute_line(session, row, point_id)
    audit(
        session,
        actor,
        "settlement.release",
        f"point:{line.point_code}",
        quarter=row.quarter,
        version=row.version,
        reason=reason,
        released=lifted,
        before=before,
        after={k: after.get(k) for k in SHOWN},
        hash=row.content_hash,
    )
    session.flush()
    return session.scalar(
        select(SettlementLine).where(SettlementLine.settlement_id == row.id, SettlementLine.point_id == point_id)
    )


def _recompute_line(session: Session, row: Settlement, point_id: int) -> dict:
    """The one point's line again (its awards and clawbacks do not depend on a hold), then the version's hash."""
    released = {
        r.point_id: settlement.release_note(r)
        for r in session.scalars(select(SettlementRelease).where(SettlementRelease.settlement_id == row.id))
    }
    draft = settlement.compute(session, row.quarter, Decimal(row.point_value), released, only=frozenset({point_id}))
    session.execute(
        delete(SettlementLine).where(SettlementLine.settlement_id == row.id, SettlementLine.point_id == point_id)
    )
    session.execute(insert(SettlementLine), [{"settlement_id": row.id, **line} for line in draft.lines])
    session.expire_all()
    row.content_hash = content_hash(
        row.quarter,
        row.point_value,
        lines_of(session, row),
        clawbacks_of(session, row),
        settlement_sums.awards_digest(session, row.id),
    )
    code = session.scalar(select(Point.code).where(Point.id == point_id))
    return next(line for line in draft.lines if line["point_code"] == code)
