"""API clients of the data exchange in the console (接口客户端), bureau only: register with a scope and
permissions, see each client's recent calls, rotate its token, revoke it (county/services/api_clients.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from county.api.errors import status_of
from county.errors import CountyError
from county.models import ApiCall, ApiClient
from county.services import api_clients
from county.services.staff import BUREAU
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page
from sync.ledger.catalogue import load_catalogue, load_units

router = APIRouter(prefix="/console")
Bureau = Annotated[Viewer, allow(*BUREAU)]
Text = Annotated[str, Form(max_length=2000)]
RECENT_CALLS = 50


def _choices() -> dict:
    return {
        "kinds": api_clients.KINDS,
        "scope_kinds": api_clients.SCOPE_KINDS,
        "units": {code: unit.name for code, unit in load_units().items()},
        "items": {item.code: item.name for item in load_catalogue().items},
    }


@router.get("/api-clients")
def clients_page(request: Request, who: Bureau):
    return clients(request, who)


def clients(request: Request, who: Viewer, error: str = "", status: int = 200):
    with reading(request) as db:
        rows = db.scalars(select(ApiClient).order_by(ApiClient.state, ApiClient.name)).all()
    return page(request, "api_clients.html", who, clients=rows, error=error, status=status, **_choices())


def _token_page(request: Request, who: Viewer, issued: api_clients.Issued, *, rotated: bool):
    """The token, shown this once (only its hash is kept)."""
    response = page(request, "api_token.html", who, issued=issued, rotated=rotated, **_choices())
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/api-clients")
def register(
    request: Request,
    who: Bureau,
    name: Text = "",
    kind: Text = "department",
    scope_kind: Text = "units",
    codes: Annotated[list[str] | None, Form(max_length=40)] = None,
    read_pii: Text = "",
    write_statuses: Text = "",
    ttl_days: Annotated[int, Form(ge=1, le=api_clients.MAX_TTL_DAYS)] = api_clients.DEFAULT_TTL_DAYS,
):
    try:
        with writing(request, who) as db:
            issued = api_clients.register(
                db,
                name,
                kind,
                scope_kind,
                codes or [],
                read_pii=read_pii == "on",
                write_statuses=write_statuses == "on",
                ttl_days=ttl_days,
                actor=who.actor,
            )
            db.flush()  # before it leaves the session: the new hash is written with the commit
            db.expunge(issued.client)
    except CountyError as exc:
        return clients(request, who, error=exc.message, status=status_of(exc))
    return _token_page(request, who, issued, rotated=False)


@router.get("/api-clients/{client_id}")
def client_view(request: Request, client_id: int, who: Bureau):
    return client_page(request, client_id, who)


def client_page(request: Request, client_id: int, who: Viewer, error: str = "", status: int = 200):
    with reading(request) as db:
        client = db.get(ApiClient, client_id)
        if client is None:
            raise ConsoleRefused(404, "没有这个接口客户端。")
        calls = db.scalars(
            select(ApiCall).where(ApiCall.client_id == client_id).order_by(ApiCall.id.desc()).limit(RECENT_CALLS)
        ).all()
    return page(request, "api_client.html", who, client=client, calls=calls, error=error, status=status, **_choices())


@router.post("/api-clients/{client_id}/rotate")
def rotate(request: Request, client_id: int, who: Bureau):
    try:
        with writing(request, who) as db:
            issued = api_clients.rotate(db, client_id, actor=who.actor)
            db.flush()  # before it leaves the session: the new hash is written with the commit
            db.expunge(issued.client)
    except CountyError as exc:
        if status_of(exc) == 404:
            raise ConsoleRefused(404, exc.message) from exc
        return client_page(request, client_id, who, error=exc.message, status=status_of(exc))
    return _token_page(request, who, issued, rotated=True)


@router.post("/api-clients/{client_id}/revoke")
def revoke(request: Request, client_id: int, who: Bureau):
    try:
        with writing(request, who) as db:
            api_clients.revoke(db, client_id, actor=who.actor)
    except CountyError as exc:
        raise ConsoleRefused(status_of(exc), exc.message) from exc
    return RedirectResponse(f"/console/api-clients/{client_id}", status_code=303)
