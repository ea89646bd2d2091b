"""Webhook notifications of an API client in the console (接口通知), bureau only: set the URL, see the signing
secret once, renew it, switch notifications off, see every delivery and try a failed one again
(county/services/webhooks.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from county.api.errors import status_of
from county.errors import CountyError
from county.models import ApiClient, WebhookDelivery, WebhookOutbox
from county.services import webhooks
from county.services.staff import BUREAU
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page

router = APIRouter(prefix="/console/api-clients/{client_id}/webhook")
Bureau = Annotated[Viewer, allow(*BUREAU)]
RECENT = 30


@router.get("")
def webhook_view(request: Request, client_id: int, who: Bureau):
    return webhook_page(request, client_id, who)


def webhook_page(request: Request, client_id: int, who: Viewer, error: str = "", status: int = 200, secret: str = ""):
    with reading(request) as db:
        client = db.get(ApiClient, client_id)
        if client is None:
            raise ConsoleRefused(404, "没有这个接口客户端。")
        outbox = db.get(WebhookOutbox, client_id)
        recent = db.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.client_id == client_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(RECENT)
        ).all()
    response = page(
        request,
        "api_webhook.html",
        who,
        client=client,
        outbox=outbox,
        deliveries=recent,
        outcomes=webhooks.OUTCOMES,
        states=webhooks.STATES,
        max_attempts=webhooks.MAX_ATTEMPTS,
        secret=secret,
        error=error,
        status=status,
    )
    if secret:
        response.headers["Cache-Control"] = "no-store"
    return response


def _act(request: Request, client_id: int, who: Viewer, action, *, shows_secret: bool = False):
    """One action in its own transaction, then back to the page: with the new secret shown once when the action
    made one, with the refusal when refused (an unknown client is a 404 page)."""
    try:
        with writing(request, who) as db:
            secret = action(db)
    except CountyError as exc:
        if status_of(exc) == 404:
            raise ConsoleRefused(404, exc.message) from exc
        return webhook_page(request, client_id, who, error=exc.message, status=status_of(exc))
    if shows_secret and secret:
        return webhook_page(request, client_id, who, secret=secret)
    return RedirectResponse(f"/console/api-clients/{client_id}/webhook", status_code=303)


@router.post("")
def set_url(request: Request, client_id: int, who: Bureau, url: Annotated[str, Form(max_length=600)] = ""):
    """The first URL makes the signing secret; a changed URL keeps it."""
    return _act(
        request,
        client_id,
        who,
        lambda db: webhooks.set_url(db, client_id, url, actor=who.actor, box=request.app.state.core.pii),
        shows_secret=True,
    )


@router.post("/secret")
def renew_secret(request: Request, client_id: int, who: Bureau):
    return _act(
        request,
        client_id,
        who,
        lambda db: webhooks.new_secret(db, client_id, actor=who.actor, box=request.app.state.core.pii),
        shows_secret=True,
    )


@router.post("/remove")
def remove(request: Request, client_id: int, who: Bureau):
    return _act(request, client_id, who, lambda db: webhooks.remove(db, client_id, actor=who.actor))


@router.post("/retry")
def retry(request: Request, client_id: int, who: Bureau):
    return _act(request, client_id, who, lambda db: webhooks.retry_now(db, client_id, actor=who.actor))
