"""How long the data exchange's logs are kept (日志保存期限): the call log and the webhook attempts.

Every call to the data exchange leaves an ``api_call`` row and every webhook attempt a ``webhook_delivery`` row;
neither holds personal data, but both grow without end. ``prune_logs`` deletes

- calls older than the call-log period (``SUISHENBAN_COUNTY_CALL_LOG_DAYS``, 90 days by default);
- webhook attempts older than the webhook-log period (``SUISHENBAN_COUNTY_WEBHOOK_LOG_DAYS``, 30 days) that are
  settled: the attempt was delivered (``sent``), or a later attempt to the same client was (the changes it
  carried reached the client), or the client no longer has notifications (nothing will be tried again). The
  attempts of a notification still being retried, or marked failed and waiting for the bureau's 重新发送, stay
  whatever their age: they are what the console shows of why it fails.

It runs with ``purge-pii`` (county/admin_cli.py), one transaction per batch of rows, oldest first, so a large
backlog never holds a long lock and a crash loses nothing (running it again goes on). The time comes from the
county's one clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, delete, exists, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from county.models import ApiCall, WebhookDelivery, WebhookOutbox
from county.services.common import audit, utcnow

MIN_DAYS = 7


@dataclass(frozen=True)
class Pruned:
    calls: int  # api_call rows deleted
    deliveries: int  # webhook_delivery rows deleted
    batches: int  # transactions committed


def _settled(cutoff):
    """Webhook attempts older than ``cutoff`` that nothing needs any more."""
    later = aliased(WebhookDelivery)
    delivered_after = exists().where(
        later.client_id == WebhookDelivery.client_id, later.id > WebhookDelivery.id, later.outcome == "sent"
    )
    no_webhook = ~exists().where(WebhookOutbox.client_id == WebhookDelivery.client_id)
    return (WebhookDelivery.at < cutoff) & or_(WebhookDelivery.outcome == "sent", delivered_after, no_webhook)


def _prune(engine: Engine, model, condition, size: int) -> tuple[int, int]:
    """Delete ``model`` rows matching ``condition`` in batches of ``size``, one transaction each: (rows, batches)."""
    sessions = sessionmaker(engine)
    done = batches = 0
    while True:
        with sessions() as session:
            ids = list(session.scalars(select(model.id).where(condition).order_by(model.id).limit(size)))
            if not ids:
                return done, batches
            session.execute(delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False))
            session.commit()
        done, batches = done + len(ids), batches + 1


def prune_logs(engine: Engine, *, call_days: int, webhook_days: int, actor: str, batch: int = 1000) -> Pruned:
    """Delete the calls and settled webhook attempts past their periods; audited with the counts."""
    if min(call_days, webhook_days) < MIN_DAYS:
        raise ValueError(f"log periods must be at least {MIN_DAYS} days")
    now = utcnow()
    call_cutoff, webhook_cutoff = now - timedelta(days=call_days), now - timedelta(days=webhook_days)
    calls, call_batches = _prune(engine, ApiCall, ApiCall.at < call_cutoff, max(1, batch))
    deliveries, delivery_batches = _prune(engine, WebhookDelivery, _settled(webhook_cutoff), max(1, batch))
    with Session(engine) as session:
        audit(
            session,
            actor,
            "logs.prune",
            "api_call,webhook_delivery",
            calls=calls,
            deliveries=deliveries,
            call_days=call_days,
            webhook_days=webhook_days,
        )
        session.commit()
    return Pruned(calls, deliveries, call_batches + delivery_batches)
