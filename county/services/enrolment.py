"""Enrolment (设备激活): a single-use, expiring, rate-limited activation code becomes a device credential."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.config import Settings
from county.errors import CountyError, Refusal, revoked
from county.models import Account, ActivationCode, Device, Point, Township
from county.services import catalogues, throttle
from county.services.common import audit, iso, new_device_token, normalize_activation_code, sha256_hex, utcnow
from county.services.texts import device_texts
from sync.ledger.events import new_id
from sync.wire import EnrolRequest, EnrolResult, Limits, PointInfo

BAD_CODE = "激活码不对，请核对后重新输入（注意区分字母和数字）。"


def _fail(session: Session, attempt: throttle.Attempt, settings: Settings, error: CountyError) -> CountyError:
    throttle.record_failure(session, attempt, settings.limits)  # counts although the enrolment is refused
    return error


def enrol(session: Session, request: EnrolRequest, *, client: str, settings: Settings) -> EnrolResult:
    label = device_texts(request)
    typed = normalize_activation_code(request.activation_code)
    attempt = throttle.Attempt.of(client, request.signing_key, typed)
    throttle.check(session, attempt, settings.limits)
    code_hash = sha256_hex(typed)
    code = session.scalar(select(ActivationCode).where(ActivationCode.code_hash == code_hash).with_for_update())
    now = utcnow()
    if code is None:
        raise _fail(session, attempt, settings, CountyError(Refusal.INVALID, "activation_invalid", BAD_CODE))
    if code.used_at is not None:
        raise _fail(
            session,
            attempt,
            settings,
            CountyError(
                Refusal.INVALID,
                "activation_used",
                "这个激活码已经用过了，每个激活码只能用一次。请向县政务服务管理局申请新的激活码。",
            ),
        )
    if code.expires_at.replace(tzinfo=code.expires_at.tzinfo or now.tzinfo) < now:
        raise _fail(
            session,
            attempt,
            settings,
            CountyError(
                Refusal.INVALID, "activation_expired", "这个激活码已过期，请向县政务服务管理局申请新的激活码。"
            ),
        )
    account = session.get(Account, code.account_id)
    point = session.get(Point, account.point_id)
    if account.state != "active":
        raise revoked("account")
    if point.state != "active":
        raise revoked("point")
    township = session.get(Township, point.township_id)
    used_numbers = set(session.scalars(select(Device.device_no).where(Device.point_id == point.id)))
    free = [n for n in range(1, 10) if n not in used_numbers]
    if not free:
        raise CountyError(Refusal.CONFLICT, "too_many_devices", "本代办点已激活 9 台设备，请先请县里注销不用的设备。")
    token = new_device_token()
    device = Device(
        id=new_id(),
        point_id=point.id,
        account_id=account.id,
        device_no=free[0],
        token_hash=sha256_hex(token),
        signing_key=request.signing_key,
        label=label,
        app_version=request.app_version,
        enrolled_at=now,
        last_seen_at=now,
    )
    session.add(device)
    code.used_at, code.used_by_device = now, device.id
    audit(
        session,
        f"account:{account.id}",
        "device.enrol",
        f"device:{device.id}",
        point=point.code,
        device_no=device.device_no,
        app_version=request.app_version,
    )
    session.commit()
    limits = settings.limits
    return EnrolResult(
        device_id=device.id,
        device_token=f"{device.id}.{token}",
        device_no=device.device_no,
        point=PointInfo(code=point.code, name=point.name, township=township.name),
        account_name=account.name,
        catalogue_version=catalogues.known_versions(session)[-1],
        server_time=iso(now),
        limits=Limits(
            max_batch_events=limits.max_batch_events,
            max_body_bytes=limits.max_body_bytes,
            max_uncompressed_bytes=limits.max_uncompressed_bytes,
            max_pull_items=limits.max_pull_items,
        ),
        receipt_check_key=settings.point_check_key(point.code),
        query_url_base=settings.query_url_base or None,
    )
