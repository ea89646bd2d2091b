"""A fault-injecting HTTP proxy on loopback, standing in for a bad village network.

Faults, chosen per request by a seeded random generator: drop the connection mid-body, delay, forward
twice (a duplicate), replay an earlier request late (reordering), answer 500 or 503 with Retry-After
(before or after forwarding), answer a captive portal's HTML page with 200, or truncate the response.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = (
    "drop_mid_body",
    "delay",
    "duplicate",
    "replay_old",
    "error_500_before",
    "error_503_after",
    "captive_portal",
    "truncate",
    "error_500_after",
)
PORTAL = b"<html><head><title>WiFi</title></head><body>\xe8\xaf\xb7\xe7\x99\xbb\xe5\xbd\x95</body></html>"


@dataclass
class ProxyStats:
    requests: int = 0
    faulted: int = 0
    bytes_up: int = 0
    by_fault: dict[str, int] = field(default_factory=dict)


class FaultProxy:
    def __init__(
        self, upstream: str, *, fault_rate: float, seed: int = 1, faults: tuple[str, ...] = FAULTS, delay: float = 0.05
    ):
        target = urlsplit(upstream)
        self.host, self.port = target.hostname, target.port
        self.fault_rate, self.faults, self.delay = fault_rate, faults, delay
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.stats = ProxyStats()
        self.old_requests: list[tuple[str, str, dict, bytes]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args):  # quiet
                pass

            def do_GET(self):
                proxy.handle(self)

            def do_POST(self):
                proxy.handle(self)

            def do_PUT(self):
                proxy.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _forward(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, list, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def _pick(self) -> str | None:
        with self.lock:
            self.stats.requests += 1
            if self.rng.random() >= self.fault_rate:
                return None
            fault = self.rng.choice(self.faults)
            self.stats.faulted += 1
            self.stats.by_fault[fault] = self.stats.by_fault.get(fault, 0) + 1
            return fault

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")}
        fault = self._pick()
        if fault == "drop_mid_body":
            handler.rfile.read(length // 2)
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        body = handler.rfile.read(length) if length else b""
        with self.lock:
            self.stats.bytes_up += len(body)
            if handler.command == "POST":
                self.old_requests.append((handler.command, handler.path, headers, body))
                self.old_requests = self.old_requests[-20:]
            old = self.rng.choice(self.old_requests) if self.old_requests else None
        if fault == "delay":
            time.sleep(self.delay)
        if fault == "error_500_before":
            return self._send(handler, 500, [("Content-Type", "text/plain")], b"Internal Server Error")
        if fault == "captive_portal":
            return self._send(handler, 200, [("Content-Type", "text/html; charset=utf-8")], PORTAL)
        if fault == "replay_old" and old is not None:
            self._forward(*old)  # a stale request arrives late, before the current one
        status, response_headers, payload = self._forward(handler.command, handler.path, headers, body)
        if fault == "duplicate":
            status, response_headers, payload = self._forward(handler.command, handler.path, headers, body)
        if fault == "error_503_after":
            return self._send(
                handler,
                503,
                [("Content-Type", "application/json"), ("Retry-After", "1")],
                b'{"error":{"code":"overloaded","message":"\\u5fd9","retry_after":1}}',
            )
        if fault == "error_500_after":
            return self._send(handler, 500, [("Content-Type", "text/html")], b"<h1>502 Bad Gateway</h1>")
        if fault == "truncate":
            return self._send(handler, status, response_headers, payload, truncate=True)
        return self._send(handler, status, response_headers, payload)

    @staticmethod
    def _send(handler, status: int, headers: list, payload: bytes, *, truncate: bool = False) -> None:
        handler.send_response(status)
        for key, value in headers:
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(payload[: len(payload) // 2] if truncate else payload)
        handler.close_connection = True
