"""The public 专区 (no sign-in): the case status lookup the receipt's QR code opens, and the 大字 switch."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from county.api.errors import status_of
from county.errors import CountyError
from county.services import public_lookup
from county.web.deps import client_ip
from county.web.render import HERE, TEMPLATES

router = APIRouter(prefix="/ssb")
TEXT_COOKIE = "ssb_text"
TEXT_COOKIE_DAYS = 365


def _large(request: Request) -> bool:
    return request.cookies.get(TEXT_COOKIE) == "large"


def _render(request: Request, name: str, http_status: int = 200, **context) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context = {"large": _large(request), "here": here, **context}
    return TEMPLATES.TemplateResponse(request, name, context, status_code=http_status)


def _cached(request: Request, response: Response) -> Response:
    """A rendered private page (a consultation read back): revalidated every time, a 304 when unchanged."""
    tag = '"' + hashlib.sha256(response.body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": "private, no-cache", "Vary": "Cookie"}
    if tag in [part.strip() for part in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


# Found cases' pages, rendered once per case version: the ETag is a digest of everything the page is made
# of (the case's public status, the 大字 setting, the address it was asked at, the templates), so a
# conditional GET (If-None-Match) is answered 304 without rendering, and a repeat of the same version is
# served from here. Per process, the newest PAGE_CACHE_SIZE pages (a few KB each).
PAGE_CACHE_SIZE = 2048
_PAGES: OrderedDict[str, bytes] = OrderedDict()
_TEMPLATE_STAMP = hashlib.sha256(
    b"".join(path.read_bytes() for path in sorted((HERE / "templates" / "public").glob("*.html")))
).hexdigest()


def etag_of(status: public_lookup.CaseStatus, large: bool, here: str) -> str:
    """The strong ETag of a found case's page: it changes when anything the page shows changes."""
    digest = hashlib.sha256(repr((_TEMPLATE_STAMP, status, large, here)).encode("utf-8")).hexdigest()
    return f'"{digest[:32]}"'


def _case_page(request: Request, status: public_lookup.CaseStatus) -> Response:
    """A found case: private, revalidated every time (statuses change), a 304 when nothing did."""
    large, here = _large(request), request.url.path + "?" + request.url.query
    tag = etag_of(status, large, here)
    headers = {"ETag": tag, "Cache-Control": "private, no-cache", "Vary": "Cookie"}
    if tag in [part.strip() for part in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    body = _PAGES.get(tag)
    if body is None:
        context = {"request": request, "large": large, "here": here, "status": status}
        body = TEMPLATES.get_template("public/lookup.html").render(context).encode("utf-8")
        _PAGES[tag] = body
        if len(_PAGES) > PAGE_CACHE_SIZE:
            _PAGES.popitem(last=False)
    else:
        _PAGES.move_to_end(tag)
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


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
            public_lookup.look_up, core.read_connection, writing, core.settings, r, c, client_ip(request)
        )
    except CountyError as exc:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
        # the 大字 switch leads back to the empty form: it must not try a wrong code once more
        response = _render(request, "public/lookup.html", status_of(exc), r=r, message=exc.message, here="/ssb/q")
        response.headers.update(headers)
        return response
    return _case_page(request, status)


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
