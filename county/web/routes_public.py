"""The public 专区 (no sign-in): the case status lookup the receipt's QR code opens, and the 大字 switch."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from county.api.errors import status_of
from county.errors import CountyError
from county.services import public_lookup
from county.web.deps import client_ip
from county.web.render import TEMPLATES

router = APIRouter(prefix="/ssb")
TEXT_COOKIE = "ssb_text"
TEXT_COOKIE_DAYS = 365
# Everything comes from the app itself and nothing runs: no script at all on a 专区 page.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def _large(request: Request) -> bool:
    return request.cookies.get(TEXT_COOKIE) == "large"


def _render(request: Request, name: str, http_status: int = 200, **context) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context = {"large": _large(request), "here": here, **context}
    return TEMPLATES.TemplateResponse(request, name, context, status_code=http_status)


def _cached(request: Request, response: Response) -> Response:
    """A found case: private, revalidated every time (statuses change), a 304 when nothing did."""
    tag = '"' + hashlib.sha256(response.body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": "private, no-cache", "Vary": "Cookie"}
    if tag in [part.strip() for part in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


@router.get("/q")
async def lookup(
    request: Request,
    r: Annotated[str, Query(max_length=40)] = "",
    c: Annotated[str, Query(max_length=20)] = "",
):
    if not r and not c:  # the empty form
        response = _render(request, "public/lookup.html", r="")
        response.headers["Cache-Control"] = "private, max-age=300"
        response.headers["Vary"] = "Cookie"
        return response
    core = request.app.state.core

    @contextmanager
    def writing():
        with core.session() as session:
            yield session

    try:
        status = await run_in_threadpool(
            public_lookup.look_up, core.read_session, writing, core.settings, r, c, client_ip(request)
        )
    except CountyError as exc:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
        # the 大字 switch leads back to the empty form: it must not try a wrong code once more
        response = _render(request, "public/lookup.html", status_of(exc), r=r, message=exc.message, here="/ssb/q")
        response.headers.update(headers)
        return response
    return _cached(request, _render(request, "public/lookup.html", status=status))


@router.get("/text")
def text_size(
    size: Annotated[str, Query(max_length=10)] = "large",
    next_path: Annotated[str, Query(alias="next", max_length=300)] = "",
):
    """The 大字 switch: a cookie that stays a year; back to the page it was pressed on (only a 专区 page)."""
    target = next_path if next_path.startswith("/ssb/") and "\\" not in next_path else "/ssb/q"
    response = RedirectResponse(target, status_code=303)
    if size == "large":
        response.set_cookie(TEXT_COOKIE, "large", max_age=TEXT_COOKIE_DAYS * 86400, httponly=True, samesite="lax")
    else:
        response.delete_cookie(TEXT_COOKIE)
    response.headers["Cache-Control"] = "no-store"
    return response
