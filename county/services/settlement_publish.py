"""Publishing a settlement, what a correction changed, and the township's record of each hand-out.

A published version never changes: the session refuses to flush any change to it or to its rows (a guard on
every county session, below), and publishing checks the hash the bureau saw against the stored content.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import (
    Point,
    Settlement,
    SettlementAward,
    SettlementClawback,
    SettlementHandout,
    SettlementLine,
)
from county.services.common import audit, aware, utcnow
from county.services.points import publish_statement_if_changed
from county.services.scope import Scope
from county.services.settlement import DRAFT, PUBLISHED, effective
from county.services.settlement_hash import LINE_FIELDS, content_hash
from county.services.settlement_sums import awards_digest
from sync.ledger.events import CHINA_TZ

_ROWS = (SettlementLine, SettlementAward, SettlementClawback)


def _was(row: Settlement) -> str:
    """The state as last flushed (a draft being published still reads draft here)."""
    history = inspect(row).attrs.state.history
    return history.deleted[0] if history.deleted else row.state


def _published(session: Session, settlement_id: int) -> bool:
    with session.no_autoflush:
        row = session.get(Settlement, settlement_id)
    return row is not None and _was(row) == PUBLISHED


@event.listens_for(Session, "before_flush")
def _published_is_immutable(session: Session, _context, _instances) -> None:
    changed = [obj for obj in session.dirty if session.is_modified(obj)] + list(session.deleted)
    for obj in changed:
        if isinstance(obj, Settlement) and _was(obj) == PUBLISHED:
            _refuse()
        if isinstance(obj, _ROWS) and _published(session, obj.settlement_id):
            _refuse()
    for obj in session.new:
        if isinstance(obj, _ROWS) and _published(session, obj.settlement_id):
            _refuse()


def _refuse() -> None:
    raise CountyError(Refusal.CONFLICT, "published", "已发布的结算不能修改；如需更正，请生成新的版本并写明原因。")


def lines_of(session: Session, settlement: Settlement) -> list[dict]:
    rows = session.scalars(
        select(SettlementLine).where(SettlementLine.settlement_id == settlement.id).order_by(SettlementLine.point_code)
    )
    return [{"point_id": r.point_id, **{k: getattr(r, k) for k in LINE_FIELDS}} for r in rows]


def clawbacks_of(session: Session, settlement: Settlement) -> list[dict]:
    rows = session.scalars(
        select(SettlementClawback)
        .where(SettlementClawback.settlement_id == settlement.id)
        .order_by(SettlementClawback.point_id, SettlementClawback.case_id)
    )
    return [
        {
            c: getattr(r, c)
            for c in ("point_id", "case_id", "receipt_no", "paid_quarter", "points", "point_value", "amount", "reason")
        }
        for r in rows
    ]


def stored_hash(session: Session, settlement: Settlement) -> str:
    """The hash recomputed from the rows as stored: equal to ``content_hash`` unless the rows were altered."""
    return content_hash(
        settlement.quarter,
        settlement.point_value,
        lines_of(session, settlement),
        clawbacks_of(session, settlement),
        awards_digest(session, settlement.id),
    )


def publish(session: Session, settlement_id: int, *, actor: str, seen_hash: str | None = None) -> Settlement:
    row = session.get(Settlement, settlement_id)
    if row is None:
        raise CountyError(Refusal.NOT_FOUND, "no_settlement", "没有这份结算。")
    if row.state != DRAFT:
        raise CountyError(
            Refusal.CONFLICT, "already_published", f"{row.quarter} 第 {row.version} 版已经发布，不能再次发布。"
        )
    if seen_hash is not None and seen_hash != row.content_hash:
        raise CountyError(
            Refusal.CONFLICT, "changed", "这份草稿在你查看后重新计算过，请刷新页面核对后再发布。没有发布。"
        )
    if stored_hash(session, row) != row.content_hash:
        raise CountyError(Refusal.CONFLICT, "hash_mismatch", "草稿内容与它的校验值不符，请重新计算后再发布。")
    row.state, row.published_by, row.published_at = PUBLISHED, actor, utcnow()
    audit(session, actor, "settlement.publish", f"settlement:{row.quarter}", version=row.version, hash=row.content_hash)
    session.flush()
    point_ids = session.scalars(select(SettlementLine.point_id).where(SettlementLine.settlement_id == row.id)).all()
    for point in session.scalars(select(Point).where(Point.id.in_(point_ids)).order_by(Point.id)):
        publish_statement_if_changed(session, point, months=set())  # each point's counter is told at its next pull
    return row


def versions(session: Session, quarter: str) -> list[Settlement]:
    return list(session.scalars(select(Settlement).where(Settlement.quarter == quarter).order_by(Settlement.version)))


def previous_version(session: Session, settlement: Settlement) -> Settlement | None:
    """The published version a correction replaces (the newest published before it)."""
    return session.scalar(
        select(Settlement)
        .where(
            Settlement.quarter == settlement.quarter,
            Settlement.state == PUBLISHED,
            Settlement.version < settlement.version,
        )
        .order_by(Settlement.version.desc())
        .limit(1)
    )


DIFF_LABELS = {
    "points": "积分",
    "gross": "折合金额",
    "released": "上季暂扣本季发放",
    "clawback": "收回奖补",
    "owed_in": "上季未抵扣",
    "payout": "本季发放",
    "owed_out": "结转待追回",
    "held_out": "暂扣结转",
    "hold_reason": "暂扣原因",
    "point_value": "每积分折合金额",
}


def difference(session: Session, settlement: Settlement, scope: Scope | None = None) -> list[dict]:
    """What this version changes against the one it replaces, point by point (empty for a first version)."""
    before = previous_version(session, settlement)
    if before is None:
        return []
    changes: list[dict] = []
    if before.point_value != settlement.point_value:
        changes.append(
            {
                "point": "全部",
                "field": DIFF_LABELS["point_value"],
                "old": before.point_value,
                "new": settlement.point_value,
            }
        )
    allowed = _point_ids(session, scope)
    old = {line["point_code"]: line for line in lines_of(session, before) if _visible(line, allowed)}
    new = {line["point_code"]: line for line in lines_of(session, settlement) if _visible(line, allowed)}
    for code in sorted(set(old) | set(new)):
        a, b = old.get(code), new.get(code)
        name = (b or a)["point_name"]
        if a is None or b is None:
            changes.append(
                {
                    "point": f"{code} {name}",
                    "field": "本季发放",
                    "old": a["payout"] if a else "（无此代办点）",
                    "new": b["payout"] if b else "（无此代办点）",
                }
            )
            continue
        for key, label in DIFF_LABELS.items():
            if key in a and a[key] != b[key]:
                changes.append({"point": f"{code} {name}", "field": label, "old": a[key] or "—", "new": b[key] or "—"})
    return changes


def _point_ids(session: Session, scope: Scope | None) -> set[int] | None:
    if scope is None or scope.county_wide:
        return None
    return set(session.scalars(select(Point.id).where(scope.point_filter())))


def _visible(line: dict, allowed: set[int] | None) -> bool:
    return allowed is None or line["point_id"] in allowed


def record_handout(
    session: Session, line_id: int, handed_on: str, receiver: str, *, actor: str, scope: Scope
) -> SettlementHandout:
    """The township hands a point its quarter's 扶贫产品: on which day, to whom (the version in force only)."""
    line = session.get(SettlementLine, line_id)
    allowed = _point_ids(session, scope)
    if line is None or not _visible({"point_id": line.point_id}, allowed):
        raise CountyError(Refusal.NOT_FOUND, "no_line", "没有这个代办点的结算记录。")
    settlement = session.get(Settlement, line.settlement_id)
    if settlement.state != PUBLISHED or effective(session, settlement.quarter).id != settlement.id:
        raise CountyError(Refusal.CONFLICT, "not_in_force", "只能登记已发布且现行版本的结算发放。")
    receiver = (receiver or "").strip()
    if not receiver or len(receiver) > 40:
        raise CountyError(Refusal.INVALID, "receiver", "请写明领取人姓名（40 字以内）。没有保存。")
    try:
        day = date.fromisoformat((handed_on or "").strip())
    except ValueError:
        raise CountyError(Refusal.INVALID, "handed_on", "发放日期应写成 2026-10-20 这样的日期。没有保存。") from None
    today = utcnow().astimezone(CHINA_TZ).date()
    if day > today or day < aware(settlement.published_at).astimezone(CHINA_TZ).date():
        raise CountyError(Refusal.INVALID, "handed_on", "发放日期不能晚于今天，也不能早于结算发布的日子。没有保存。")
    if session.scalar(select(SettlementHandout.id).where(SettlementHandout.line_id == line_id)) is not None:
        raise CountyError(Refusal.CONFLICT, "recorded", f"{line.point_code} 本季的发放已经登记过。")
    row = SettlementHandout(
        line_id=line_id, handed_on=day.isoformat(), receiver=receiver, recorded_by=actor, recorded_at=utcnow()
    )
    session.add(row)
    audit(
        session,
        actor,
        "settlement.handout",
        f"point:{line.point_code}",
        quarter=settlement.quarter,
        version=settlement.version,
        handed_on=row.handed_on,
    )
    session.flush()
    return row
