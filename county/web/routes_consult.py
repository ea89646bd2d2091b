"""The 专区's consultations (咨询): ask a question (a plain form, no script), read the answer with the query code."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from county.api.errors import status_of
from county.errors import CountyError
from county.services import consult_public
from county.services.consult_public import AskForm
from county.services.consultations import QUESTION_MAX
from county.web import public_forms
from county.web.deps import client_ip
from county.web.routes_public import _cached, _render
from sync.ledger.catalogue import load_catalogue

router = APIRouter(prefix="/ssb")


def _items() -> list[tuple[str, list[tuple[str, str]]]]:
    catalogue = load_catalogue()
    return [
        (category, [(i.code, i.name) for i in catalogue.items if i.category == category])
        for category in catalogue.categories()
    ]


def _sessions(request: Request):
    core = request.app.state.core

    @contextmanager
    def writing():
        with core.session() as session:
            yield session

    return core, writing


def _ask_page(request: Request, form: AskForm, *, message: str = "", status: int = 200, headers=None) -> Response:
    core = request.app.state.core
    client = client_ip(request)
    with core.read_session() as session:
        needed = consult_public.needs_challenge(session, core.settings, client)
    try:
        challenge = consult_public.new_challenge(core.settings, client) if needed else None
    except CountyError as exc:
        challenge, message, status = None, exc.message, status_of(exc)
    token = public_forms.form_token(request)
    response = _render(
        request,
        "public/consult_ask.html",
        status,
        form=form,
        message=message,
        challenge=challenge,
        items=_items(),
        question_max=QUESTION_MAX,
        here="/ssb/zx",
        form_token=token,
    )
    response.headers.update(headers or {})
    return public_forms.keep_token(request, response, token)  # not cached: a challenge is made once


@router.get("/zx")
async def ask_form(request: Request):
    return await run_in_threadpool(_ask_page, request, AskForm())


Field = Annotated[str, Form(max_length=4000)]


@router.post("/zx")
async def ask(
    request: Request,
    question: Field = "",
    item: Annotated[str, Form(max_length=16)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    token: Annotated[str, Form(max_length=80)] = "",
    solution: Annotated[str, Form(max_length=20)] = "",
    ft: Annotated[str, Form(max_length=80)] = "",
):
    core, writing = _sessions(request)
    if not public_forms.from_this_site(request, ft):  # nothing is saved; what was typed is shown again
        kept = AskForm(question[:QUESTION_MAX], item, phone)
        return await run_in_threadpool(_ask_page, request, kept, message=public_forms.STALE, status=403)
    form = AskForm(question, item, phone, token, solution)
    try:
        _consult_id, code = await run_in_threadpool(
            consult_public.ask, writing, core.settings, lambda: core.pii, form, client_ip(request)
        )
    except CountyError as exc:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
        kept = AskForm(question[:QUESTION_MAX], item, phone)  # what was typed stays; the challenge is new
        return await run_in_threadpool(
            _ask_page, request, kept, message=exc.message, status=status_of(exc), headers=headers
        )
    # the 大字 switch on this page leads to the answer page of this very code, so the code is not lost
    response = _render(request, "public/consult_done.html", code=code, here=f"/ssb/zx/a?code={code}")
    response.headers["Cache-Control"] = "no-store"  # the query code is shown this once
    return response


@router.get("/zx/a")
async def read(request: Request, code: Annotated[str, Query(max_length=40)] = ""):
    if not code:
        response = _render(request, "public/consult_read.html", code="")
        response.headers["Cache-Control"] = "private, max-age=300"
        response.headers["Vary"] = "Cookie"
        return response
    core, writing = _sessions(request)
    try:
        found = await run_in_threadpool(
            consult_public.read, core.read_session, writing, core.settings, code, client_ip(request)
        )
    except CountyError as exc:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
        response = _render(
            request, "public/consult_read.html", status_of(exc), code="", message=exc.message, here="/ssb/zx/a"
        )
        response.headers.update(headers)
        return response
    return _cached(request, _render(request, "public/consult_read.html", found=found, code=code))
