"""Inspections (督查, 附件2 第十一条; 四(五)): the township's daily supervision and the bureau's periodic inspections.

An inspection is recorded once, whole, in one transaction: the date, the inspector, the checklist (each check
passed, failed or not applicable), its findings (问题) with severity, the required fix (整改) and its deadline in
working days of the county's table, and photos. A finding is closed by recording its fix as done. An open serious
finding holds the point's quarterly settlement (county/services/settlement.py, ``HOLDS``). Photos are kept in the
database (``inspection_photo``): written with their inspection, covered by the database backup; JPEG or PNG only,
checked by their first bytes, at most ``MAX_PHOTO_BYTES`` each and ``MAX_PHOTOS`` per inspection.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import Inspection, InspectionFinding, InspectionPhoto, Point
from county.services import texts
from county.services.common import audit, utcnow
from county.services.crediting import county_workdays
from sync.ledger.events import CHINA_TZ
from sync.ledger.workdays import add_working_days

KINDS = {"township": "乡镇日常监管", "bureau": "县局定期督查"}
CHECKS = {
    "sign": "标识牌已悬挂",
    "poster": "公示已上墙",
    "ledger": "台账相符",
    "no_fee": "未收取费用（第九条）",
    "materials": "材料齐全",
}
RESULTS = {"pass": "符合", "fail": "不符合", "na": "不适用"}
SEVERITIES = {"minor": "一般", "serious": "严重"}
MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_PHOTOS = 6
MAX_FIX_DAYS = 60
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


class InspectionError(CountyError):
    def __init__(self, message: str):
        super().__init__(Refusal.INVALID, "inspection", message + "什么都没有保存。")


@dataclass(frozen=True)
class FindingDraft:
    severity: str
    description: str
    fix_required: str
    fix_days: str  # as typed: working days allowed for the fix


def today() -> date:
    return utcnow().astimezone(CHINA_TZ).date()


def _day(text: str, label: str) -> date:
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise InspectionError(f"{label}应写成 2026-12-07 这样的日期。") from None
    if day > today():
        raise InspectionError(f"{label}不能晚于今天。")
    return day


def photo_type(data: bytes) -> str:
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    raise InspectionError("照片只能是 JPEG 或 PNG 图片（手机拍的照片一般就是 JPEG）。")


def _photos(photos: list[bytes]) -> list[InspectionPhoto]:
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        raise InspectionError(f"一次督查最多上传 {MAX_PHOTOS} 张照片，现在有 {len(photos)} 张。")
    rows = []
    for number, data in enumerate(photos, 1):
        if len(data) > MAX_PHOTO_BYTES:
            raise InspectionError(
                f"第 {number} 张照片有 {len(data) / 1024 / 1024:.1f} MB，超过了 {MAX_PHOTO_BYTES // 1024 // 1024} MB。"
                "请在手机上选较小的尺寸再拍，或压缩后上传。"
            )
        rows.append(
            InspectionPhoto(
                content_type=photo_type(data), size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data
            )
        )
    return rows


def _finding(session: Session, draft: FindingDraft, number: int, inspected_on: date) -> InspectionFinding:
    where = f"第 {number} 个问题："
    if draft.severity not in SEVERITIES:
        raise InspectionError(f"{where}请选择问题的严重程度（一般或严重）。")
    description = texts.paragraph(draft.description, field="finding", label="问题描述", max_len=500, required=False)
    fix = texts.paragraph(draft.fix_required, field="fix", label="整改要求", max_len=500, required=False)
    if not description or not fix:
        raise InspectionError(f"{where}请写明发现的问题和整改要求。")
    days_text = (draft.fix_days or "").strip()
    if not (days_text.isascii() and days_text.isdigit() and 1 <= int(days_text) <= MAX_FIX_DAYS):
        raise InspectionError(f"{where}整改期限应是 1 到 {MAX_FIX_DAYS} 个工作日。")
    due = add_working_days(inspected_on, int(days_text), county_workdays(session)).day
    return InspectionFinding(
        severity=draft.severity, description=description, fix_required=fix, fix_days=int(days_text), fix_due=due
    )


def record(
    session: Session,
    point: Point,
    *,
    kind: str,
    inspected_on: str,
    inspector: str,
    checklist: dict[str, str],
    note: str,
    findings: list[FindingDraft],
    photos: list[bytes],
    actor: str,
) -> Inspection:
    """One inspection with its findings and photos, all or nothing."""
    if kind not in KINDS:
        raise InspectionError("督查类型只能是乡镇日常监管或县局定期督查。")
    day = _day(inspected_on, "督查日期")
    inspector = texts.line(inspector, field="inspector", label="督查人", max_len=40, required=False)
    if not inspector:
        raise InspectionError("请写明督查人。")
    missing = [label for key, label in CHECKS.items() if checklist.get(key) not in RESULTS]
    if missing:
        raise InspectionError(f"检查项目“{'、'.join(missing)}”还没有选择结果（符合、不符合或不适用）。")
    note = texts.paragraph(note, field="note", label="备注", max_len=1000, required=False)
    rows = [_finding(session, draft, n, day) for n, draft in enumerate(findings, 1)]
    failed = [CHECKS[key] for key in CHECKS if checklist[key] == "fail"]
    if failed and not rows:
        raise InspectionError(f"“{'、'.join(failed)}”不符合：请至少记一个问题，写明整改要求和期限。")
    pictures = _photos(photos)
    inspection = Inspection(
        point_id=point.id,
        kind=kind,
        inspected_on=day,
        inspector=inspector,
        checklist={key: checklist[key] for key in CHECKS},
        note=note,
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(inspection)
    session.flush()
    for row in rows:
        row.inspection_id, row.point_id = inspection.id, point.id
    for picture in pictures:
        picture.inspection_id = inspection.id
    session.add_all([*rows, *pictures])
    session.flush()
    audit(
        session,
        actor,
        "inspection.record",
        f"point:{point.code}",
        inspection=inspection.id,
        kind=kind,
        day=day.isoformat(),
        failed=[key for key in CHECKS if checklist[key] == "fail"],
        findings=[(row.id, row.severity) for row in rows],
        photos=len(pictures),
    )
    return inspection


def record_fix(session: Session, finding: InspectionFinding, fixed_on: str, note: str, *, actor: str) -> None:
    """The required fix is done (整改完成): the finding is closed; a serious one no longer holds the settlement."""
    if finding.fixed_on is not None:
        raise InspectionError(f"这个问题已在 {finding.fixed_on:%Y年%m月%d日} 记为整改完成。")
    day = _day(fixed_on, "整改完成日期")
    inspection = session.get(Inspection, finding.inspection_id)
    if day < inspection.inspected_on:
        raise InspectionError("整改完成日期不能早于督查日期。")
    note = texts.paragraph(note, field="fix_note", label="整改情况", max_len=500, required=False)
    if not note:
        raise InspectionError("请写明整改情况（例如：标识牌已重新悬挂，已拍照核实）。")
    finding.fixed_on, finding.fix_note, finding.fixed_by = day, note, actor
    audit(session, actor, "inspection.fix", f"finding:{finding.id}", day=day.isoformat(), late=day > finding.fix_due)


def of_point(session: Session, point_id: int) -> list[tuple[Inspection, list[InspectionFinding], list[int]]]:
    """A point's inspections, newest first, each with its findings and its photos' ids."""
    inspections = session.scalars(
        select(Inspection)
        .where(Inspection.point_id == point_id)
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
    ).all()
    ids = [i.id for i in inspections]
    findings: dict[int, list[InspectionFinding]] = {}
    for finding in session.scalars(
        select(InspectionFinding).where(InspectionFinding.inspection_id.in_(ids)).order_by(InspectionFinding.id)
    ):
        findings.setdefault(finding.inspection_id, []).append(finding)
    photos: dict[int, list[int]] = {}
    for photo_id, inspection_id in session.execute(
        select(InspectionPhoto.id, InspectionPhoto.inspection_id)
        .where(InspectionPhoto.inspection_id.in_(ids))
        .order_by(InspectionPhoto.id)
    ):
        photos.setdefault(inspection_id, []).append(photo_id)
    return [(i, findings.get(i.id, []), photos.get(i.id, [])) for i in inspections]


def open_serious(session: Session, point_ids: list[int]) -> dict[int, list[InspectionFinding]]:
    """Serious findings not yet fixed, per point: what holds a point's settlement."""
    found: dict[int, list[InspectionFinding]] = {}
    for finding in session.scalars(
        select(InspectionFinding)
        .where(
            InspectionFinding.point_id.in_(point_ids),
            InspectionFinding.severity == "serious",
            InspectionFinding.fixed_on.is_(None),
        )
        .order_by(InspectionFinding.point_id, InspectionFinding.id)
    ):
        found.setdefault(finding.point_id, []).append(finding)
    return found
