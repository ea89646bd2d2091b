"""Data exchange routes (docs/data-api.md): the case feed and status updates for API clients. Thin: read,
authenticate the client's token, call a service, log the call, answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool

from county.api.body import parse_model, read_body
from county.api.errors import status_of
from county.errors import CountyError
from county.services import api_clients, exchange
from county.services.exchange_wire import CasesPage, StatusRequest, StatusResponse, WebhookNotice
from sync.wire import ErrorResult

router = APIRouter(prefix="/api/v1/exchange", tags=["data exchange"])
webhooks = APIRouter(tags=["data exchange"])  # what the county sends to a client's URL (OpenAPI "webhooks")
AuthHeader = Annotated[str | None, Header(alias="Authorization", description="Bearer <token>")]
MAX_STATUS_BODY = 256 * 1024
REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResult, "description": what}
    for status, what in (
        (400, "a record or parameter breaks a rule"),
        (401, "no token, an unknown one or an expired one"),
        (403, "the client was revoked or lacks the permission"),
        (413, "body larger than 256 KiB"),
        (422, "the request does not parse"),
        (503, "busy: retry after Retry-After seconds"),
    )
}


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _logged(core, ip: str, route: str, authorization: str | None, work: Callable, *, read_only: bool) -> Any:
    """Authenticate, do the work in one transaction, and log the call (client, route, count, status) after it,
    whether it succeeded or not."""
    client_id, status, code, count, last_used = None, 200, None, 0, None
    try:
        with core.read_session() if read_only else core.session() as session:
            client = api_clients.authenticate(session, authorization)
            client_id, last_used = client.id, client.last_used_at
            result, count = work(session, client)
            if not read_only:
                session.commit()
            return result
    except CountyError as refused:
        status, code = status_of(refused), refused.code
        client_id = getattr(refused, "client_id", client_id)  # a revoked, expired or rotated-out token's client
        raise
    except (OperationalError, PoolTimeout):  # answered 503 by the app's handlers
        status, code = 503, "overloaded"
        raise
    except DBAPIError:  # a constraint race (the same client_ref at once): answered 409 retry
        status, code = 409, "retry"
        raise
    except Exception:
        status, code = 500, "error"
        raise
    finally:
        with core.session() as session:
            api_clients.record_call(
                session, client_id, route, status, code=code, count=count, ip=ip, last_used=last_used
            )


@router.get("/cases", response_model=CasesPage, responses=REFUSALS)
def cases(
    request: Request,
    authorization: AuthHeader = None,
    cursor: Annotated[int, Query(ge=0, le=2**53, description="next_cursor of the previous page; 0 at first")] = 0,
    limit: Annotated[int, Query(ge=1, le=exchange.MAX_PAGE)] = 200,
    applicant: Annotated[
        Literal["scope", "omit"],
        Query(description="omit: no personal field is read or sent (applicant is null), the fastest feed"),
    ] = "scope",
) -> Response:
    """The cases in the client's scope changed after ``cursor``, oldest change first."""
    core = request.app.state.core

    def work(session, client):
        page = exchange.cases_after(session, core.pii, client, cursor, limit, applicant=applicant == "scope")
        return page, page.count

    page = _logged(core, _ip(request), "GET /exchange/cases", authorization, work, read_only=True)
    # The page's JSON is written by the service from its rows (the schema still comes from response_model)
    return Response(page.body, media_type="application/json")


@router.post("/statuses", response_model=StatusResponse, responses=REFUSALS)
async def statuses(request: Request, authorization: AuthHeader = None) -> StatusResponse:
    """受理 / 审批中 / 办结 / 退回 from the department's system: one result per record."""
    core = request.app.state.core
    ip = _ip(request)
    try:
        raw = await read_body(request, max_bytes=MAX_STATUS_BODY, max_uncompressed=MAX_STATUS_BODY)
        message = parse_model(StatusRequest, raw)
    except CountyError as refused:  # still logged, with the client if its token is good
        await run_in_threadpool(_log_refused_body, core, ip, authorization, refused)
        raise

    def work(session, client):
        answer = exchange.apply_statuses(session, client, message, ip=ip)
        return answer, len(message.statuses)

    return await run_in_threadpool(_logged, core, ip, "POST /exchange/statuses", authorization, work, read_only=False)


def _log_refused_body(core, ip: str, authorization: str | None, refused: CountyError) -> None:
    with core.read_session() as session:
        try:
            client_id = api_clients.authenticate(session, authorization).id
        except CountyError as not_valid:
            client_id = getattr(not_valid, "client_id", None)
    with core.session() as session:
        api_clients.record_call(
            session, client_id, "POST /exchange/statuses", status_of(refused), code=refused.code, count=0, ip=ip
        )


@webhooks.post("cases.changed", status_code=204)
def cases_changed(notice: WebhookNotice) -> None:
    """Sent to the client's webhook URL when cases in its scope changed; answer 2xx and pull the feed. Headers:
    ``X-Suishenban-Timestamp`` (Unix seconds) and ``X-Suishenban-Signature`` (``v1=`` and the hex HMAC-SHA256
    under the client's signing secret of ``<timestamp>.<raw body>``). Never served by the county."""
