"""The county endpoint's logging: one JSON object per line, each with the id of the request it belongs to."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO

from sync.logmask import PersonalDataFilter

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
HEADER = "X-Request-ID"
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # what a proxy's id looks like (nginx $request_id: 32 hex)
_OURS = "_suishenban_county_handler"
access = logging.getLogger("county.access")


class JsonLines(logging.Formatter):
    """{"time", "level", "logger", "request_id", "message"[, "exception"]} on one line; Chinese as it is."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": REQUEST_ID.get(),
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def configure(stream: IO[str] | None = None, *, level: int = logging.INFO) -> logging.Handler:
    """Every record of the process as a JSON line on ``stream`` (stdout by default), personal data masked.
    Called again, it replaces what it set up. Returns the handler."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(JsonLines())
    handler.addFilter(PersonalDataFilter())
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    return handler


class RequestIds:
    """ASGI middleware: each request gets an id (the proxy's X-Request-ID when it sent a sane one), set in
    ``REQUEST_ID`` for every log line written while it is handled, echoed as the X-Request-ID response header,
    and one access line when it ends (method, path without the query, status, milliseconds)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"x-request-id"), "")
        request_id = given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started, status = time.monotonic(), 0

        async def send_with_id(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access.info(
                "%s %s %s %.0f ms", scope["method"], scope["path"], status or 500, (time.monotonic() - started) * 1000
            )
            REQUEST_ID.reset(token)
