"""A reference client of the county's data exchange (docs/data-api.md), for a department's system or the
provincial platform: follow the case feed from a saved cursor, and send statuses back with keys of your own.

    python docs/examples/exchange_client.py https://county.example/ --token-file token.txt --cursor-file cursor.txt
    python docs/examples/exchange_client.py https://county.example/ --token-file token.txt --cursor-file cursor.txt \
        --listen 127.0.0.1:8700 --webhook-secret-file webhook_secret.txt
    python docs/examples/exchange_client.py https://county.example/ --token-file token.txt \
        --status <case_id> accepted SCJG-2026-0001 ""

Only ``requests`` is needed. The cursor is saved after each page is handled, so a crash repeats at most one
page (handle cases by ``case_id``: delivering one again must be harmless).

A client with a webhook checks each notification with ``verify_webhook`` (standard library only) and then
pulls the feed as above: the notification itself carries no case. ``--listen`` does both: it receives the
notifications (put it behind your HTTPS server) and reads the feed after each, and every ten minutes anyway.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

API = "/api/v1/exchange"
REPLAY_WINDOW_S = 300


class BadWebhook(Exception):
    """A notification that is not the county's (bad signature) or is too old or too new (a replay)."""


def verify_webhook(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> dict:
    """Check a webhook notification as received (the raw body bytes, before any JSON parsing) and return it
    parsed. ``headers`` as sent (names in any case); ``now`` in Unix seconds (this machine's clock)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    timestamp = lowered.get("x-suishenban-timestamp", "")
    signature = lowered.get("x-suishenban-signature", "")
    if not timestamp.isdigit() or not signature.startswith("v1="):
        raise BadWebhook("missing or malformed signature headers")
    if abs((time.time() if now is None else now) - int(timestamp)) > REPLAY_WINDOW_S:
        raise BadWebhook("timestamp outside the replay window")
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature[3:]):
        raise BadWebhook("signature does not match")
    return json.loads(body)


def webhook_server(secret: str, host: str, port: int, on_notice: Callable[[dict], None]) -> ThreadingHTTPServer:
    """An HTTP server taking the county's notifications: 204 and ``on_notice(notification)`` for a good one,
    401 for a bad signature or a replay. Call ``serve_forever`` on it (in a thread of its own, say)."""

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 64 * 1024))
            try:
                notice = verify_webhook(secret, dict(self.headers), body)
            except (BadWebhook, ValueError):
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(204)
            self.end_headers()
            on_notice(notice)

        def log_message(self, *_args):
            pass

    return ThreadingHTTPServer((host, port), Hook)


class ExchangeError(Exception):
    """A refusal from the county: its stable code and its Chinese message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class ExchangeClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = session or requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout

    def _call(self, method: str, path: str, **kwargs) -> dict:
        for attempt in range(5):
            response = self.http.request(method, self.base_url + API + path, timeout=self.timeout, **kwargs)
            if response.status_code == 503 and attempt < 4:  # busy: wait as told, then again
                time.sleep(float(response.headers.get("Retry-After", "5")))
                continue
            body = response.json()
            if response.status_code >= 400:
                error = body.get("error", {})
                raise ExchangeError(response.status_code, error.get("code", "?"), error.get("message", ""))
            return body
        raise AssertionError("unreachable")

    def cases_page(self, cursor: int, limit: int = 500) -> dict:
        return self._call("GET", "/cases", params={"cursor": cursor, "limit": limit})

    def follow(self, cursor: int, limit: int = 500) -> Iterator[tuple[list[dict], int]]:
        """Pages of cases after ``cursor`` until caught up: (cases, the cursor after them)."""
        while True:
            page = self.cases_page(cursor, limit)
            cursor = page["next_cursor"]
            yield page["items"], cursor
            if not page["more"]:
                return

    def send_statuses(self, statuses: list[dict]) -> list[dict]:
        """Each status: client_ref (your own key), case_id, status, note. Returns one result per status."""
        results = []
        for i in range(0, len(statuses), 200):
            results += self._call("POST", "/statuses", json={"statuses": statuses[i : i + 200]})["results"]
        return results


def sync_once(client: ExchangeClient, cursor_file: Path, handle: Callable[[dict], None]) -> int:
    """Read every new page, handle each case, save the cursor after each page; returns how many cases."""
    start = int(cursor_file.read_text()) if cursor_file.exists() else 0
    count = 0
    for cases, after in client.follow(start):
        for case in cases:
            handle(case)
        count += len(cases)
        cursor_file.write_text(str(after))
    return count


def listen(client: ExchangeClient, cursor_file: Path, secret: str, host: str, port: int) -> int:
    """Read the feed after each notification (and every ten minutes, in case one was lost), printing each case."""
    wake = threading.Event()
    server = webhook_server(secret, host, port, lambda _notice: wake.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    while True:
        count = sync_once(client, cursor_file, lambda case: print(json.dumps(case, ensure_ascii=False), flush=True))
        print(f"{count} cases", file=sys.stderr)
        wake.wait(600)
        wake.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="乡村随身办 data exchange reference client")
    parser.add_argument("base_url")
    parser.add_argument("--token-file", type=Path, required=True)
    parser.add_argument("--cursor-file", type=Path, default=Path("cursor.txt"))
    parser.add_argument("--status", nargs=4, metavar=("CASE_ID", "STATUS", "CLIENT_REF", "NOTE"))
    parser.add_argument("--listen", metavar="HOST:PORT", help="receive webhook notifications and read after each")
    parser.add_argument("--webhook-secret-file", type=Path, help="the signing secret the bureau gave (with --listen)")
    args = parser.parse_args(argv)
    client = ExchangeClient(args.base_url, args.token_file.read_text().strip())
    try:
        if args.listen:
            if not args.webhook_secret_file:
                parser.error("--listen needs --webhook-secret-file")
            host, _, port = args.listen.rpartition(":")
            return listen(client, args.cursor_file, args.webhook_secret_file.read_text().strip(), host, int(port))
        if args.status:
            case_id, status, ref, note = args.status
            for result in client.send_statuses(
                [{"client_ref": ref, "case_id": case_id, "status": status, "note": note}]
            ):
                print(json.dumps(result, ensure_ascii=False))
            return 0
        count = sync_once(client, args.cursor_file, lambda case: print(json.dumps(case, ensure_ascii=False)))
        print(f"{count} cases", file=sys.stderr)
        return 0
    except ExchangeError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
