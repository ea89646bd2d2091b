"""Sync routes: enrol, push, pull, status. Thin: read, authenticate, call a service, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from county.api.body import parse_model, read_body
from county.errors import overloaded
from county.services import enrolment, feed, ingest, versions
from county.services.auth import authenticate
from county.services.precheck import prepare
from sync.wire import (
    APP_VERSION_HEADER,
    EnrolRequest,
    EnrolResult,
    PullResult,
    PushRequest,
    PushResult,
    StatusResult,
)

router = APIRouter(prefix="/api/v1")
AuthHeader = Annotated[str | None, Header(alias="Authorization")]
VersionHeader = Annotated[str | None, Header(alias=APP_VERSION_HEADER)]


def _core(request: Request):
    return request.app.state.core


def _require_version(core, app_version: str | None) -> None:
    """Refuse a counter older than the county accepts (426 app_outdated; county/services/versions.py)."""
    versions.require_supported(app_version, core.settings.min_app_version, update_url=core.settings.update_url)


@router.post("/enrol", response_model=EnrolResult, status_code=201)
async def enrol(request: Request) -> EnrolResult:
    core = _core(request)
    raw = await read_body(request, max_bytes=16 * 1024, max_uncompressed=64 * 1024)
    message = parse_model(EnrolRequest, raw)
    _require_version(core, message.app_version)  # before the code is looked at: an old counter spends no attempt
    client = request.client.host if request.client else "unknown"

    def work() -> EnrolResult:
        with core.session() as session:
            return enrolment.enrol(session, message, client=client, settings=core.settings)

    return await run_in_threadpool(work)


@router.post("/push", response_model=PushResult, response_model_exclude_none=True)  # older counters: no new keys
async def push(request: Request, authorization: AuthHeader = None) -> PushResult:
    core = _core(request)
    limits = core.settings.limits
    if not core.push_slots.acquire(blocking=False):
        raise overloaded(limits.retry_after_seconds)
    try:
        await run_in_threadpool(_credential, core, authorization)  # before a byte of the body is read or inflated
        raw = await read_body(request, max_bytes=limits.max_body_bytes, max_uncompressed=limits.max_uncompressed_bytes)
        return await run_in_threadpool(_push, core, authorization, raw)
    finally:
        core.push_slots.release()


def _credential(core, authorization: str | None) -> None:
    """Refuse a push whose credential is wrong or revoked without reading its body (checked again, with the
    device's row lock, in the batch's transaction)."""
    with core.read_session() as session:
        authenticate(session, authorization)


def _push(core, authorization: str | None, raw: bytes) -> PushResult:
    """At most ``Limits.working_pushes`` pushes worked on at once per process, the others waiting their turn."""
    with core.push_turns:
        return _push_now(core, authorization, raw)


def _push_now(core, authorization: str | None, raw: bytes) -> PushResult:
    """Parse and seal before the transaction (no lock held), then apply the batch in it."""
    max_events = core.settings.limits.max_batch_events
    pause = core.write_gate.writer_first if core.write_gate is not None else None  # SQLite: the gate's holder first
    message = parse_model(PushRequest, raw)
    _require_version(core, message.app_version)
    sealed = prepare(message, max_events=max_events, box=core.pii, pause=pause)
    with core.session() as session:  # on SQLite, after the write gate (AppState.session)
        device, point = authenticate(session, authorization, lock=True)
        try:
            return ingest.push(
                session,
                device,
                point,
                sealed,
                max_events=max_events,
                rules=core.settings.clock,
                fraud=core.settings.fraud,
            )
        except ingest.Conflict as conflict:
            ingest.flag_tampering(session, device, conflict.seq, conflict.detail)
            raise


@router.get("/pull", response_model=PullResult)
def pull(
    request: Request,
    authorization: AuthHeader = None,
    app_version: VersionHeader = None,
    cursor: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    feed_version: Annotated[int, Query(alias="feed", ge=1, le=1000)] = 1,  # sync.wire.FEED_VERSION; old: none
) -> PullResult:
    core = _core(request)
    with core.session() as session:
        device, _point = authenticate(session, authorization)
        _require_version(core, app_version or device.app_version)  # a counter that sends no header: its last push
        return feed.pull(session, device, cursor, min(limit, core.settings.limits.max_pull_items), feed_version)


@router.get("/status", response_model=StatusResult)
def status(request: Request, authorization: AuthHeader = None, app_version: VersionHeader = None) -> StatusResult:
    core = _core(request)
    with core.session() as session:
        device, _point = authenticate(session, authorization)
        _require_version(core, app_version or device.app_version)
        return feed.status(session, device)
