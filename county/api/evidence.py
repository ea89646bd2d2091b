"""Material image uploads (材料影像): resumable chunks, per-device authenticated like push (docs/sync-protocol.md).

``GET /api/v1/evidence/{sha256}`` says how many bytes the county holds; ``PUT`` with ``Content-Range: bytes
first-last/size`` adds the chunk that starts there. Chunks take no write transaction (only the file is written);
the image's row is marked stored in one short transaction when it is whole and verified.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from county.api.routes import AuthHeader, VersionHeader, _core, _require_version
from county.errors import CountyError, Refusal
from county.services import evidence
from county.services.auth import authenticate
from county.services.evidence_files import ImageStore
from county.services.evidence_s3 import image_store

router = APIRouter(prefix="/api/v1")
Sha = Annotated[str, Path(pattern="^[0-9a-f]{64}$")]
_RANGE = re.compile(r"bytes (\d{1,12})-(\d{1,12})/(\d{1,12})")


def folder_of(core) -> ImageStore:
    return image_store(core.settings)


def _finish(core, device_id: str, sha256: str, upload: evidence.Upload) -> dict:
    if upload.complete:
        with core.session() as session:
            evidence.mark_stored(session, device_id, sha256)
            session.commit()
    return upload.answer()


@router.get("/evidence/{sha256}")
def upload_state(request: Request, sha256: Sha, authorization: AuthHeader = None, app_version: VersionHeader = None):
    core = _core(request)
    with core.read_session() as session:
        device, _point = authenticate(session, authorization)
        _require_version(core, app_version or device.app_version)
        device_id = device.id
        upload = evidence.upload_state(session, device_id, sha256, folder_of(core), core.pii)
    return _finish(core, device_id, sha256, upload)


@router.put("/evidence/{sha256}")
async def upload_chunk(
    request: Request,
    sha256: Sha,
    authorization: AuthHeader = None,
    app_version: VersionHeader = None,
    content_range: Annotated[str | None, Header(alias="Content-Range")] = None,
):
    core = _core(request)
    limit = core.settings.limits.max_image_chunk_bytes
    match = _RANGE.fullmatch(content_range or "")
    if match is None:
        raise CountyError(Refusal.INVALID, "bad_range", "缺少或看不懂 Content-Range，已拒收。")
    first, last, total = (int(part) for part in match.groups())
    if last < first or last - first + 1 > limit:
        raise CountyError(Refusal.TOO_LARGE, "body_too_large", f"一次上传的影像片段不能超过 {limit // 1024} KB。")

    def check():
        with core.read_session() as session:
            device, _point = authenticate(session, authorization)  # before a byte of the body is read
            _require_version(core, app_version or device.app_version)
            return device.id

    device_id = await run_in_threadpool(check)
    data = await _read_exactly(request, last - first + 1)

    def work() -> dict:
        with core.read_session() as session:
            upload = evidence.receive(
                session, device_id, sha256, offset=first, total=total, data=data, folder=folder_of(core), box=core.pii
            )
        return _finish(core, device_id, sha256, upload)

    return await run_in_threadpool(work)


async def _read_exactly(request: Request, expected: int) -> bytes:
    """The chunk's bytes, no more than its range says; a body that ends short is refused (nothing written)."""
    parts, size = [], 0
    try:
        async for part in request.stream():
            size += len(part)
            if size > expected:
                raise CountyError(Refusal.INVALID, "bad_range", "影像片段的长度与 Content-Range 不一致，已拒收。")
            parts.append(part)
    except ClientDisconnect:  # the link dropped mid-chunk: nothing was written, the next try resumes before it
        raise CountyError(
            Refusal.INVALID, "bad_range", "影像片段没有传完，已丢弃，会从县里已收到的位置接着传。"
        ) from None
    if size != expected:
        raise CountyError(Refusal.INVALID, "bad_range", "影像片段的长度与 Content-Range 不一致，已拒收。")
    return b"".join(parts)
