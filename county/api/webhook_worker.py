"""The worker that sends webhook notifications (通知发送): claim what is due, POST it signed, record the answer.

Each endpoint process runs one in a background thread (``start``); several processes, or several county
servers on one database, share the outbox without sending a notification twice, because a notification is
claimed before it is sent (county/services/webhooks.py ``claim``). The time comes from the clock given (tests
move it); the POST itself is timed with the monotonic clock.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from county.models import WebhookOutbox
from county.services import webhooks
from county.services.pii import PiiBox
from sync import clock as clocks

log = logging.getLogger(__name__)

POLL_S = 1.0
Sessions = Callable[[], AbstractContextManager[Session]]


def _post(url: str, payload: bytes, headers: dict[str, str]) -> int:
    response = requests.post(url, data=payload, headers=headers, timeout=webhooks.TIMEOUT_S, allow_redirects=False)
    response.close()
    return response.status_code


class WebhookWorker:
    """Sends due notifications. ``sessions`` gives writing sessions (the app's, through the write gate on
    SQLite), ``readers`` short read-only ones for the cheap "anything due?" look; ``box`` opens the sealed
    signing secrets."""

    def __init__(
        self,
        sessions: Sessions,
        readers: Sessions | None = None,
        *,
        box: PiiBox,
        clock: clocks.Clock | None = None,
        name: str | None = None,
        post: Callable[[str, bytes, dict[str, str]], int] = _post,
        rng: random.Random | None = None,
    ):
        self.sessions, self.readers, self.box = sessions, readers or sessions, box
        self.clock = clock or clocks.current()
        self.name = (name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10_000}")[:40]
        self.post = post
        self.rng = rng or random.Random()

    def due(self) -> bool:
        now = self.clock.utcnow()
        with self.readers() as session:
            return session.scalar(select(WebhookOutbox.client_id).where(webhooks.due(now)).limit(1)) is not None

    def run_once(self) -> list[str]:
        """Claim what is due now and send it; the outcome of each (sent / retry / failed / lost)."""
        if not self.due():
            return []
        with self.sessions() as session:
            claims = webhooks.claim(session, self.name, self.clock.utcnow(), box=self.box)
            session.commit()
        return [self._deliver(claim) for claim in claims]

    def _deliver(self, claim: webhooks.Claim) -> str:
        sent_at = self.clock.utcnow()
        payload = webhooks.body(claim, sent_at)
        headers = webhooks.headers(claim.secret, int(sent_at.timestamp()), payload)
        started, status, error = time.monotonic(), None, None
        try:
            status = self.post(claim.url, payload, headers)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except requests.RequestException as exc:  # refused, timed out, TLS: the kind and the library's words
            error = f"{type(exc).__name__}: {exc}"[:200]
        duration_ms = int((time.monotonic() - started) * 1000)
        with self.sessions() as session:
            outcome = webhooks.finish(
                session,
                claim,
                self.name,
                self.clock.utcnow(),
                http_status=status,
                error=error,
                duration_ms=duration_ms,
                rng=self.rng,
            )
            session.commit()
        return outcome

    def run(self, stop: threading.Event, poll_s: float = POLL_S) -> None:
        """Until ``stop``: send what is due, then look again after ``poll_s`` when there was nothing."""
        while not stop.is_set():
            try:
                busy = bool(self.run_once())
            except Exception:  # the database away for a moment: the outbox keeps everything; try again later
                log.exception("webhook worker pass failed")
                busy = False
            if not busy:
                stop.wait(poll_s)


def start(sessions: Sessions, readers: Sessions | None, box: PiiBox) -> tuple[threading.Thread, threading.Event]:
    """A worker in a daemon thread of this process; set the event to stop it."""
    stop = threading.Event()
    worker = WebhookWorker(sessions, readers, box=box)
    thread = threading.Thread(target=worker.run, args=(stop,), name="webhook-worker", daemon=True)
    thread.start()
    return thread, stop
