"""Loopback network stand-ins: a byte-counting HTTP/1.1 relay that can also act as a slow, lossy 2G link."""

from __future__ import annotations

import gzip
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sync.body_codec import DICT_ENCODING, decompressor

IO_TIMEOUT_S = 120.0  # every socket wait is bounded
CHUNK = 512


def inflate_body(body: bytes) -> bytes:
    """A push body as the client sent it: gzip (sync files, older clients) or deflate with the dictionary."""
    if body[:2] == b"\x1f\x8b":
        return gzip.decompress(body)
    inflater = decompressor(DICT_ENCODING)
    return inflater.decompress(body) + inflater.flush()


class FramingError(Exception):
    pass


def read_message(sock: socket.socket, buf: bytearray, *, method: str | None = None) -> tuple[bytes, bytes] | None:
    """One HTTP/1.1 message (head, body) framed by Content-Length; None at a clean end of stream."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            if buf:
                raise FramingError("stream ended inside a message head")
            return None
        buf += chunk
    end = buf.index(b"\r\n\r\n") + 4
    head = bytes(buf[:end])
    del buf[:end]
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "chunked" in headers.get("transfer-encoding", ""):
        raise FramingError("chunked transfer encoding is not supported by this relay")
    length = int(headers.get("content-length", "0"))
    if method is not None:  # a response: HEAD answers and 1xx/204/304 carry no body
        status = int(lines[0].split()[1])
        if method == "HEAD" or status in (204, 304) or status < 200:
            length = 0
    while len(buf) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise FramingError("stream ended inside a message body")
        buf += chunk
    body = bytes(buf[:length])
    del buf[:length]
    return head, body


@dataclass
class Exchange:
    """One request through the relay: bytes each way as they crossed it, and how it ended."""

    method: str
    path: str
    up: int
    up_head: int = 0  # of which the request line and headers
    down: int = 0
    status: int | None = None
    dropped: str | None = None  # "up" (during the request) or "down" (during the response)
    seqs: tuple[int, int] | None = None  # push: first and last sequence number carried


@dataclass
class LinkStats:
    exchanges: list[Exchange] = field(default_factory=list)
    connections: int = 0
    acked: set[int] = field(default_factory=set)
    sent: set[int] = field(default_factory=set)
    resent_after_ack: int = 0  # events sent again although an earlier, delivered answer acknowledged them
    resent_after_failure: int = 0  # events sent again after a request that failed (allowed)


class LinkProxy:
    """An HTTP/1.1 relay on 127.0.0.1 that counts bytes per request (head and body, each way).

    With ``rate`` (bytes/s each way), ``rtt`` (seconds added per request, and once per new connection for
    the TCP handshake) and ``drop_rate`` (share of requests whose connection dies mid-transfer, during the
    request or during the answer, at a random byte), it stands in for a 2G link. With ``track_seqs`` it reads
    push bodies and answers to find events sent again after a delivered acknowledgement.
    """

    def __init__(
        self,
        upstream: str,
        *,
        rate: float | None = None,
        rtt: float = 0.0,
        drop_rate: float = 0.0,
        seed: int = 1,
        track_seqs: bool = False,
    ):
        target = urlsplit(upstream)
        self.upstream = (target.hostname, target.port)
        self.rate, self.rtt, self.drop_rate, self.track_seqs = rate, rtt, drop_rate, track_seqs
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.stats = LinkStats()
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.listener.settimeout(0.5)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def __enter__(self) -> LinkProxy:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(IO_TIMEOUT_S)
            with self.lock:
                self.stats.connections += 1
            threading.Thread(target=self._connection, args=(client,), daemon=True).start()

    def _connection(self, client: socket.socket) -> None:
        buf, first = bytearray(), True
        try:
            while not self.stopping.is_set():
                message = read_message(client, buf)
                if message is None:
                    return
                if first and self.rtt:
                    time.sleep(self.rtt)  # the TCP handshake of a new connection
                first = False
                if not self._exchange(client, *message):
                    return
        except (OSError, FramingError):
            return
        finally:
            client.close()

    def _exchange(self, client: socket.socket, head: bytes, body: bytes) -> bool:
        """Relay one request; False when the connection must end (dropped or closed)."""
        method, path = head.split(b" ", 2)[:2]
        record = Exchange(method.decode(), path.decode(), up=len(head) + len(body), up_head=len(head))
        with self.lock:
            self.stats.exchanges.append(record)
            drop = self.rng.random() < self.drop_rate
            phase, at = self.rng.choice(("up", "down")), self.rng.random()
        if self.track_seqs and record.method == "POST" and record.path.startswith("/api/v1/push"):
            self._note_sent(record, body)
        upload = record.up / self.rate if self.rate else 0.0
        if drop and phase == "up":
            time.sleep(upload * at)
            record.up, record.dropped = int(record.up * at), "up"
            return False
        time.sleep(upload + self.rtt / 2)
        status, response = self._forward(head + body, record.method)
        record.status = status
        time.sleep(self.rtt / 2)
        if drop and phase == "down":
            record.down = self._send(client, response, int(len(response) * at))
            record.dropped = "down"
            return False
        record.down = self._send(client, response)
        if record.seqs and status == 200:
            self._note_acked(response)
        return b"connection: close" not in response.split(b"\r\n\r\n", 1)[0].lower()

    def _forward(self, raw: bytes, method: str) -> tuple[int, bytes]:
        with socket.create_connection(self.upstream, timeout=IO_TIMEOUT_S) as upstream:
            upstream.sendall(raw)
            message = read_message(upstream, bytearray(), method=method)
        if message is None:
            raise FramingError("the endpoint closed without answering")
        head, body = message
        return int(head.split(b" ", 2)[1]), head + body

    def _send(self, client: socket.socket, data: bytes, limit: int | None = None) -> int:
        end = len(data) if limit is None else limit
        if not self.rate:
            client.sendall(data[:end])
            return end
        start, sent = time.monotonic(), 0
        while sent < end:
            piece = data[sent : min(end, sent + CHUNK)]
            client.sendall(piece)
            sent += len(piece)
            delay = start + sent / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        return sent

    def _note_sent(self, record: Exchange, body: bytes) -> None:
        request = json.loads(inflate_body(body))
        first, count = request["from_seq"], len(request["events"])
        record.seqs = (first, first + count - 1)
        seqs = set(range(first, first + count))
        with self.lock:
            self.stats.resent_after_ack += len(seqs & self.stats.acked)
            self.stats.resent_after_failure += len((seqs & self.stats.sent) - self.stats.acked)
            self.stats.sent |= seqs

    def _note_acked(self, response: bytes) -> None:
        head, body = response.split(b"\r\n\r\n", 1)
        answer = json.loads(gzip.decompress(body) if b"content-encoding: gzip" in head.lower() else body)
        with self.lock:
            self.stats.acked |= {
                seq
                for first, last in answer.get("accepted", []) + answer.get("duplicate", [])
                for seq in range(first, last + 1)
            }

    def totals(self, path_prefix: str = "") -> dict[str, int]:
        chosen = [e for e in self.stats.exchanges if e.path.startswith(path_prefix)]
        return {
            "requests": len(chosen),
            "up": sum(e.up for e in chosen),
            "up_head": sum(e.up_head for e in chosen),
            "down": sum(e.down for e in chosen),
            "dropped": sum(e.dropped is not None for e in chosen),
        }
