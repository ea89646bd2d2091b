"""Applications (申请) for a new service unit: 村 → 乡镇初审 → 县局审核 (推进方案 四(三)).

A village's shop, helper team or outlet applies on the 专区 or on paper (typed in by its township). The township
passes it on, returns it with a reason the applicant can fix, or rejects it; the bureau then approves (the point is
made with the same ``admin.create_point`` the CLI uses), returns or rejects. Every step is a row of
``application_step`` and an audit row. The applicant follows it with the application number and a 6-character
check code (only its hash is kept). The agent's phone and ID number are sealed; photos of the premises are JPEG
or PNG, at most ``MAX_PHOTOS`` of ``MAX_PHOTO_BYTES`` each, kept in the database (every instance serves them,
backups hold them).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import ApplicationPhoto, ApplicationStep, Point, PointApplication, Township
from county.services import admin, directory, texts
from county.services.common import CODE_ALPHABET, audit, sha256_hex, utcnow
from county.services.pii import PiiBox
from county.services.scope import Scope
from county.services.staff import BUREAU, StaffRole
from sync.clock import china_today
from sync.ledger.validation import (
    ValidationError,
    mask_mobile,
    mask_resident_id,
    normalize_mobile,
    normalize_resident_id,
)

STATES = {
    "submitted": "待乡镇初审",
    "returned": "已退回，请按原因修改后重新提交",
    "passed": "乡镇初审通过，待县局审核",
    "approved": "县局审核通过",
    "rejected": "未通过",
}
OPEN_STATES = ("submitted", "returned", "passed")
STEP_LABELS = {
    "submit": "提交申请",
    "resubmit": "修改后重新提交",
    "township_pass": "乡镇初审通过",
    "township_return": "乡镇退回修改",
    "township_reject": "乡镇初审不通过",
    "bureau_approve": "县局审核通过",
    "bureau_return": "县局退回修改",
    "bureau_reject": "县局审核不通过",
}
SOURCES = {"zhuanqu": "专区", "paper": "纸质申请（乡镇录入）"}
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 2 * 1024 * 1024
CHECK_LEN = 6


def _refuse(message: str, code: str = "application") -> CountyError:
    return CountyError(Refusal.INVALID, code, message)


@dataclass(frozen=True)
class ApplicationForm:
    kind: str = "shop"
    shop_name: str = ""
    agent_name: str = ""
    phone: str = ""
    id_number: str = ""
    township_id: str = ""
    village: str = ""
    address: str = ""


@dataclass(frozen=True)
class Photo:
    content_type: str
    data: bytes


def photo_of(data: bytes) -> Photo:
    """A premises photo as sent: JPEG or PNG by its own bytes (not by its name), not empty, not too large."""
    if len(data) > MAX_PHOTO_BYTES:
        raise _refuse(f"每张照片不能超过 {MAX_PHOTO_BYTES // 1024 // 1024} MB，请换一张小一点的照片。", "photo")
    if data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return Photo("image/jpeg", data)
    if data.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in data[-16:]:
        return Photo("image/png", data)
    raise _refuse("照片只能是 JPG 或 PNG 格式的图片（照片文件不完整也不行），请重新选择。", "photo")


def _checked(session: Session, form: ApplicationForm) -> dict:
    if form.kind not in admin.POINT_KINDS:
        raise _refuse("请选择申请的类型：代办点、帮代办队伍或合作网点。")
    try:
        township = session.get(Township, int(form.township_id)) if str(form.township_id).strip() else None
    except ValueError:
        township = None
    if township is None:
        raise _refuse("请选择所在乡镇。")
    try:
        phone = normalize_mobile(form.phone, field="phone")
        id_number = normalize_resident_id(form.id_number, today=china_today(), field="id_number")
    except ValidationError as exc:
        raise _refuse(exc.message) from exc
    return {
        "kind": form.kind,
        "shop_name": texts.org_name(form.shop_name, field="shop_name", label="店名或单位名称", max_len=60),
        "agent_name": texts.person_name(form.agent_name, field="agent_name"),
        "township_id": township.id,
        "village": texts.line(form.village, field="village", label="所在村", max_len=40),
        "address": texts.line(form.address, field="address", label="详细地址", max_len=120),
        "sealed": {"mobile": phone, "id_number": id_number},
    }


def check_hash(number: str, code: str) -> str:
    return sha256_hex(f"apply|{number}|{code}")


def _new_number(session: Session, skip: int = 0) -> str:
    """SQ, the China date and the day's serial: SQ20261207001."""
    prefix = f"SQ{china_today():%Y%m%d}"
    taken = session.scalar(select(func.count()).where(PointApplication.number.like(f"{prefix}%")))
    return f"{prefix}{taken + 1 + skip:03d}"


def _step(session: Session, row: PointApplication, step: str, actor: str, reason: str | None = None) -> None:
    now = utcnow()
    session.add(ApplicationStep(application_id=row.id, step=step, actor=actor[:60], reason=reason, at=now))
    row.updated_at = now
    audit(session, actor, f"application.{step}", f"application:{row.number}", state=row.state, reason=reason)


def _add_photos(session: Session, row: PointApplication, photos: list[Photo]) -> None:
    have = session.scalar(select(func.count()).where(ApplicationPhoto.application_id == row.id)) or 0
    if have + len(photos) > MAX_PHOTOS:
        raise _refuse(f"每份申请最多 {MAX_PHOTOS} 张照片。", "photo")
    for photo in photos:
        session.add(
            ApplicationPhoto(
                application_id=row.id,
                content_type=photo.content_type,
                data=photo.data,
                sha256=hashlib.sha256(photo.data).hexdigest(),
                added_at=utcnow(),
            )
        )


def submit(
    session: Session, box: PiiBox, form: ApplicationForm, photos: list[Photo], *, source: str, actor: str
) -> tuple[PointApplication, str]:
    """A new application (the caller commits); returns it and its check code, shown once."""
    if source not in SOURCES:
        raise _refuse("申请来源不对。")
    if len(photos) > MAX_PHOTOS:
        raise _refuse(f"每份申请最多 {MAX_PHOTOS} 张照片。", "photo")
    fields = _checked(session, form)
    ref, code, now = secrets.token_hex(16), "".join(secrets.choice(CODE_ALPHABET) for _ in range(CHECK_LEN)), utcnow()
    row = PointApplication(
        ref=ref,
        source=source,
        kind=fields["kind"],
        shop_name=fields["shop_name"],
        agent_name=fields["agent_name"],
        agent_sealed=box.seal(fields["sealed"], f"apply-{ref}"),
        township_id=fields["township_id"],
        village=fields["village"],
        address=fields["address"],
        state="submitted",
        submitted_at=now,
        updated_at=now,
    )
    for attempt in range(5):  # two submissions in one instant may count the same serial: the next one is taken
        row.number = _new_number(session, attempt)
        row.check_hash = check_hash(row.number, code)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            break
        except IntegrityError:
            continue  # the savepoint's rollback took the row out of the session again
    else:
        raise CountyError(Refusal.CONFLICT, "busy", "现在提交的人较多，请稍后再提交一次。什么都没有保存。")
    _add_photos(session, row, photos)
    _step(session, row, "submit", actor)
    return row, code


def by_code(session: Session, number: str, code: str, *, for_update: bool = False) -> PointApplication | None:
    """The application whose number and check code were both typed right (any case, spaces dropped)."""
    number = "".join((number or "").split()).upper()[:16]
    code = "".join((code or "").split()).upper()[:12]
    query = select(PointApplication).where(PointApplication.number == number)
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None or not secrets.compare_digest(row.check_hash, check_hash(number, code)):
        return None
    return row


def resubmit(
    session: Session, box: PiiBox, row: PointApplication, form: ApplicationForm, photos: list[Photo], *, actor: str
) -> PointApplication:
    """The applicant's fix of a returned application: it goes back to the township's first review."""
    if row.state != "returned":
        raise _refuse("这份申请现在不需要修改。")
    fields = _checked(session, form)
    row.kind, row.shop_name, row.agent_name = fields["kind"], fields["shop_name"], fields["agent_name"]
    row.township_id, row.village, row.address = fields["township_id"], fields["village"], fields["address"]
    row.agent_sealed = box.seal(fields["sealed"], f"apply-{row.ref}")
    row.state, row.reason = "submitted", None
    _add_photos(session, row, photos)
    _step(session, row, "resubmit", actor)
    return row


def _reason(reason: str, needed: bool) -> str | None:
    text = texts.line(reason or "", field="reason", label="原因", max_len=300, required=False)
    if needed and not text:
        raise _refuse("退回或不通过时，请写明原因（申请人会在专区看到）。什么都没有改。")
    return text or None


def get(session: Session, scope: Scope, application_id: int, *, for_update: bool = False) -> PointApplication:
    """One application in the scope; ``for_update`` locks its row (PostgreSQL) so two reviewers decide one after
    the other and the second meets the state the first left (never two points from one approval)."""
    query = scope.applications().where(PointApplication.id == application_id)
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        raise CountyError(Refusal.NOT_FOUND, "no_application", "没有这份申请，或它不在你的工作范围内。")
    return row


def waiting_state(scope: Scope) -> str | None:
    """The state an application waits in for this role's review: the township's 初审, the bureau's 审核."""
    if scope.role is StaffRole.TOWNSHIP:
        return "submitted"
    if scope.role in BUREAU:
        return "passed"
    return None


def waiting_count(session: Session, scope: Scope) -> int | None:
    state = waiting_state(scope)
    if state is None:
        return None
    query = scope.applications().where(PointApplication.state == state).with_only_columns(func.count())
    return session.scalar(query) or 0


def township_review(
    session: Session, scope: Scope, application_id: int, decision: str, reason: str, *, actor: str
) -> PointApplication:
    """乡镇初审: pass (to the bureau), return (to the applicant, with a reason) or reject (with a reason)."""
    row = get(session, scope, application_id, for_update=True)
    if row.state != "submitted":
        raise _refuse(f"这份申请现在是「{STATES[row.state]}」，不能再做乡镇初审。什么都没有改。")
    outcome = {"pass": "passed", "return": "returned", "reject": "rejected"}.get(decision)
    if outcome is None:
        raise _refuse("请选择初审结果：通过、退回修改或不通过。什么都没有改。")
    row.reason = _reason(reason, decision != "pass")
    row.state = outcome
    _step(session, row, f"township_{decision}", actor, row.reason)
    return row


def bureau_review(
    session: Session, scope: Scope, application_id: int, decision: str, reason: str, *, actor: str
) -> PointApplication:
    """县局审核: approve (the point is made and listed), return (to the applicant) or reject."""
    row = get(session, scope, application_id, for_update=True)
    if row.state != "passed":
        raise _refuse(f"这份申请现在是「{STATES[row.state]}」，不能做县局审核。什么都没有改。")
    outcome = {"approve": "approved", "return": "returned", "reject": "rejected"}.get(decision)
    if outcome is None:
        raise _refuse("请选择审核结果：通过、退回修改或不通过。什么都没有改。")
    row.reason = _reason(reason, decision != "approve")
    if decision == "approve":
        township = session.get(Township, row.township_id)
        point = admin.create_point(session, row.shop_name, township.name, kind=row.kind, actor=actor)
        directory.set_listing(
            session,
            point.code,
            village=row.village,
            address=row.address,
            hours="",
            phone="",
            phone_public=False,
            actor=actor,
        )
        row.point_id = point.id
    row.state = outcome
    _step(session, row, f"bureau_{decision}", actor, row.reason)
    return row


@dataclass(frozen=True)
class Agent:
    name: str
    phone: str  # masked unless opened for the bureau or the township
    id_number: str


def agent_of(box: PiiBox, row: PointApplication, *, masked: bool = True) -> Agent:
    sealed = box.open(row.agent_sealed, f"apply-{row.ref}")
    if not masked:
        return Agent(row.agent_name, sealed["mobile"], sealed["id_number"])
    return Agent(row.agent_name, mask_mobile(sealed["mobile"]), mask_resident_id(sealed["id_number"]))


def steps(session: Session, row: PointApplication) -> list[ApplicationStep]:
    return list(
        session.scalars(
            select(ApplicationStep).where(ApplicationStep.application_id == row.id).order_by(ApplicationStep.id)
        )
    )


def photo_ids(session: Session, row: PointApplication) -> list[int]:
    return list(
        session.scalars(
            select(ApplicationPhoto.id).where(ApplicationPhoto.application_id == row.id).order_by(ApplicationPhoto.id)
        )
    )


def point_of(session: Session, row: PointApplication) -> Point | None:
    return session.get(Point, row.point_id) if row.point_id else None
