"""The 专区's application form (申请) for a new service unit, and where an application stands (no sign-in, no script).

The form posts multipart with up to three photos; the body's size is checked from Content-Length before it is
read. Logic: county/services/apply_public.py (counts, challenge, lookups) and applications.py (the rules)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from county.api.errors import status_of
from county.errors import CountyError, Refusal
from county.services import admin, apply_public
from county.services.applications import MAX_PHOTO_BYTES, MAX_PHOTOS, ApplicationForm
from county.web import public_forms
from county.web.deps import client_ip
from county.web.routes_public import _render

router = APIRouter(prefix="/ssb")
MAX_BODY = MAX_PHOTOS * MAX_PHOTO_BYTES + 256 * 1024  # the photos and the form's few lines of text
TOO_BIG = f"提交的内容太大了：最多 {MAX_PHOTOS} 张照片，每张不超过 {MAX_PHOTO_BYTES // 1024 // 1024} MB。"
FIELDS = ("kind", "shop_name", "agent_name", "phone", "id_number", "township_id", "village", "address")


def _writing(core):
    @contextmanager
    def writing():
        with core.session() as session:
            yield session

    return writing


def _form_page(
    request: Request,
    form: ApplicationForm,
    *,
    fix: tuple[str, str] | None = None,
    message: str = "",
    status=200,
    headers=None,
) -> Response:
    core = request.app.state.core
    client = client_ip(request)
    with core.read_session() as session:
        towns = apply_public.townships(session)
        needed = fix is None and apply_public.needs_challenge(session, core.settings, client)
    try:
        challenge = apply_public.new_challenge(core.settings, client) if needed else None
    except CountyError as exc:
        challenge, message, status = None, exc.message, status_of(exc)
    token = public_forms.form_token(request)
    response = _render(
        request,
        "public/apply.html",
        status,
        form_token=token,
        form=form,
        fix=fix,
        towns=towns,
        kinds=admin.POINT_KINDS,
        challenge=challenge,
        message=message,
        max_photos=MAX_PHOTOS,
        max_mb=MAX_PHOTO_BYTES // 1024 // 1024,
        here="/ssb/sq",
    )
    response.headers.update(headers or {})
    return public_forms.keep_token(request, response, token)  # not cached


@router.get("/sq")
async def apply_form(request: Request):
    return await run_in_threadpool(_form_page, request, ApplicationForm())


async def _read(request: Request) -> tuple[dict[str, str], list[bytes]]:
    """The form's text fields and its photos' bytes (empty file inputs dropped); refusals as CountyError."""
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_BODY:
        raise CountyError(Refusal.TOO_LARGE, "too_large", TOO_BIG)
    contents = []
    try:
        async with request.form(max_files=MAX_PHOTOS, max_fields=20, max_part_size=16 * 1024) as data:
            fields = {k: v for k, v in data.multi_items() if isinstance(v, str)}
            for upload in data.getlist("photos"):
                if isinstance(upload, UploadFile):
                    contents.append(await upload.read(MAX_PHOTO_BYTES + 1))  # the spooled files close on leaving
    except MultiPartException:
        raise CountyError(Refusal.INVALID, "bad_form", TOO_BIG) from None
    return fields, [content for content in contents if content]


def _typed(fields: dict[str, str]) -> ApplicationForm:
    return ApplicationForm(**{name: fields.get(name, "")[:200] for name in FIELDS})


def _refused(exc: CountyError) -> dict:
    return {"message": exc.message, "status": status_of(exc), "headers": _retry(exc)}


def _retry(exc: CountyError) -> dict:
    return {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}


@router.post("/sq")
async def apply(request: Request):
    core = request.app.state.core
    fields: dict[str, str] = {}
    try:
        fields, photos = await _read(request)
        public_forms.require_this_site(request, fields.get("ft", ""))
        number, code = await run_in_threadpool(
            apply_public.apply,
            _writing(core),
            core.settings,
            lambda: core.pii,
            _typed(fields),
            photos,
            client_ip(request),
            token=fields.get("token", ""),
            solution=fields.get("solution", ""),
        )
    except CountyError as exc:  # what was typed stays (the photos must be chosen again); the challenge is new
        refused = _refused(exc)
        return await run_in_threadpool(lambda: _form_page(request, _typed(fields), **refused))
    response = _render(request, "public/apply_done.html", number=number, code=code, here="/ssb/sq/s")
    response.headers["Cache-Control"] = "no-store"  # the check code is shown this once
    return response


def _status_refused(request: Request, n: str, exc: CountyError) -> Response:
    """The progress page again with the refusal in words (a wrong code, too many tries), nothing found shown."""
    response = _render(
        request, "public/apply_status.html", status_of(exc), n=n, found=None, message=exc.message, here="/ssb/sq/s"
    )
    response.headers.update(_retry(exc))
    return response


@router.get("/sq/s")
async def status(
    request: Request,
    n: Annotated[str, Query(max_length=40)] = "",
    c: Annotated[str, Query(max_length=20)] = "",
):
    if not n and not c:
        return _render(request, "public/apply_status.html", n="", found=None)
    core = request.app.state.core
    try:
        found = await run_in_threadpool(
            apply_public.status, core.read_session, _writing(core), core.settings, n, c, client_ip(request)
        )
    except CountyError as exc:
        return _status_refused(request, n, exc)
    response = _render(request, "public/apply_status.html", found=found, n=n, c=c, here="/ssb/sq/s")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/sq/edit")
async def edit(
    request: Request,
    n: Annotated[str, Query(max_length=40)] = "",
    c: Annotated[str, Query(max_length=20)] = "",
):
    core = request.app.state.core
    try:
        form = await run_in_threadpool(
            apply_public.editable, core.read_session, _writing(core), core.settings, n, c, client_ip(request)
        )
    except CountyError as exc:
        return _status_refused(request, n, exc)
    if form is None:
        return RedirectResponse(f"/ssb/sq/s?{urlencode({'n': n, 'c': c})}", status_code=303)
    return await run_in_threadpool(lambda: _form_page(request, form, fix=(n, c)))


@router.post("/sq/fix")
async def fix(request: Request):
    """The applicant's corrected application (number and check code in the form), back to the township."""
    core = request.app.state.core
    fields: dict[str, str] = {}
    try:
        fields, photos = await _read(request)
        public_forms.require_this_site(request, fields.get("ft", ""))
        found = await run_in_threadpool(
            apply_public.fix,
            _writing(core),
            core.settings,
            lambda: core.pii,
            fields.get("n", "")[:40],
            fields.get("c", "")[:20],
            _typed(fields),
            photos,
            client_ip(request),
        )
    except CountyError as exc:
        fix_of, refused = (fields.get("n", "")[:40], fields.get("c", "")[:20]), _refused(exc)
        return await run_in_threadpool(lambda: _form_page(request, _typed(fields), fix=fix_of, **refused))
    response = _render(request, "public/apply_status.html", found=found, n=found.number, done=True, here="/ssb/sq/s")
    response.headers["Cache-Control"] = "no-store"
    return response
