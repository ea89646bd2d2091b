"""Revoking a point (撤销, 附件2 第十一条): with the finding that justifies it, every account and device at once,
and the clawback (收回奖补) recorded for the settlement.

One revocation is one row (``PointRevocation``) with the exact accounts, devices and cases it cancelled
(``RevocationItem``), so reinstatement (county/services/reinstate.py) brings back exactly those and not an account
or device the bureau stopped on its own, before or after. The clawback: when the bureau names the first day of
the period the finding covers (``clawback_from``), every case of the point recorded from that day is disqualified
(reason naming the revocation); the quarterly settlement then takes back what was
paid for them in earlier quarters and pays nothing for the rest (docs/settlement.md). While revoked, the point's
settlement is held. Reinstatement does not re-qualify those cases: that is the fraud review's decision.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.models import Account, Case, Device, Inspection, InspectionFinding, Point, PointRevocation, RevocationItem
from county.services import changes, texts
from county.services.admin import AdminError, point_by_code, tell_devices
from county.services.common import audit, utcnow
from county.services.points import publish_statement_if_changed
from sync.ledger.events import CHINA_TZ

MAX_REASON = 500


def open_revocation(session: Session, point_id: int) -> PointRevocation | None:
    """The point's revocation in force (not reinstated), if any."""
    return session.scalar(
        select(PointRevocation)
        .where(PointRevocation.point_id == point_id, PointRevocation.reinstated_at.is_(None))
        .order_by(PointRevocation.id.desc())
        .limit(1)
    )


def _finding(session: Session, point: Point, finding_id: int | None) -> InspectionFinding | None:
    if finding_id is None:
        return None
    finding = session.get(InspectionFinding, finding_id)
    if finding is None or finding.point_id != point.id:
        raise AdminError(f"代办点 {point.code} 没有编号为 {finding_id} 的督查问题。什么都没有改。")
    return finding


def _clawback_day(text: str | date | None) -> date | None:
    if text is None or text == "":
        return None
    if isinstance(text, date):
        day = text
    else:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise AdminError("收回奖补的起始日期应写成 2026-10-01 这样的日期。什么都没有改。") from None
    if day > utcnow().astimezone(CHINA_TZ).date():
        raise AdminError("收回奖补的起始日期不能晚于今天。什么都没有改。")
    return day


def revoke_point(
    session: Session,
    point_code: str,
    reason: str,
    *,
    actor: str,
    finding_id: int | None = None,
    clawback_from: str | date | None = None,
) -> PointRevocation:
    """Revoke the point and cancel all its active accounts and devices, in the caller's one transaction."""
    point = point_by_code(session, point_code.strip()[:8])
    if point.state != "active":
        raise AdminError(f"代办点 {point.code} 已经撤销了。什么都没有改。")
    reason = texts.paragraph(reason, field="reason", label="撤销原因", max_len=MAX_REASON, required=False)
    finding = _finding(session, point, finding_id)
    if finding is None and not reason:
        raise AdminError("撤销代办点要有依据：请选一条督查发现的问题，或写明撤销原因。什么都没有改。")
    if finding is not None:
        inspection = session.get(Inspection, finding.inspection_id)
        basis = f"{inspection.inspected_on:%Y年%m月%d日}督查发现：{finding.description}"
        reason = f"{basis}。{reason}" if reason else basis
    day = _clawback_day(clawback_from)
    now = utcnow()
    revocation = PointRevocation(
        point_id=point.id,
        finding_id=finding.id if finding else None,
        reason=reason,
        clawback_from=day,
        revoked_by=actor,
        revoked_at=now,
    )
    session.add(revocation)
    session.flush()
    point.state, point.revoked_at = "revoked", now
    accounts = session.scalars(
        select(Account).where(Account.point_id == point.id, Account.state == "active").order_by(Account.id)
    ).all()
    for account in accounts:
        account.state, account.revoked_at = "revoked", now
    devices = session.scalars(
        select(Device).where(Device.point_id == point.id, Device.state == "active").order_by(Device.device_no)
    ).all()
    for device in devices:
        device.state = "revoked"
    items = [RevocationItem(revocation_id=revocation.id, kind="account", ref=str(a.id)) for a in accounts]
    items += [RevocationItem(revocation_id=revocation.id, kind="device", ref=d.id) for d in devices]
    cases = _claw_back(session, point, revocation) if day else []
    items += [RevocationItem(revocation_id=revocation.id, kind="case", ref=c) for c in cases]
    session.add_all(items)
    tell_devices(session, point.id, {"point": point.code, "state": "revoked", "reason": reason})
    audit(
        session,
        actor,
        "point.revoke",
        f"point:{point.code}",
        reason=reason,
        finding=finding.id if finding else None,
        accounts=[a.id for a in accounts],
        devices=[d.id for d in devices],
        clawback_from=day.isoformat() if day else None,
        cases=len(cases),
    )
    session.flush()
    return revocation


def _claw_back(session: Session, point: Point, revocation: PointRevocation) -> list[str]:
    """Disqualify the point's cases recorded from ``clawback_from`` (not already disqualified): the settlement
    takes back what was paid for them and pays nothing for the rest. As ``departments.disqualify_case`` does for
    one case, for all of them at once: the data exchange delivers them again, one points statement is queued;
    which cases is recorded on the revocation (``revocation_item``) and counted in its audit row."""
    rows = session.scalars(
        select(Case)
        .where(
            Case.point_id == point.id,
            Case.business_date >= revocation.clawback_from.isoformat(),
            Case.disqualified.is_(False),
        )
        .order_by(Case.case_id)
    ).all()
    why = f"代办点撤销（第十一条），收回奖补：{revocation.reason}"[:500]
    for case in rows:
        case.disqualified, case.disqualify_reason = True, why
    changes.touch(session, [case.case_id for case in rows])
    session.flush()
    months = {case.credit_month for case in rows if case.credit_month}
    if months:
        publish_statement_if_changed(session, point, months=months)
    return [case.case_id for case in rows]


def cancelled(session: Session, revocation: PointRevocation) -> dict[str, list[str]]:
    """What this revocation cancelled and still owns (kind → refs): what its reinstatement brings back."""
    rows = session.execute(
        select(RevocationItem.kind, RevocationItem.ref)
        .where(RevocationItem.revocation_id == revocation.id, RevocationItem.superseded.is_(False))
        .order_by(RevocationItem.id)
    ).all()
    found: dict[str, list[str]] = {"account": [], "device": [], "case": []}
    for kind, ref in rows:
        found[kind].append(ref)
    return found


def history(session: Session, point_id: int) -> list[PointRevocation]:
    return list(
        session.scalars(
            select(PointRevocation).where(PointRevocation.point_id == point_id).order_by(PointRevocation.id.desc())
        )
    )
