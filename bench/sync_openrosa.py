"""The OpenRosa-style baseline: one HEAD preflight and one multipart XML POST per record, to a counting sink."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import requests

from sync.ledger.events import Event

# What ODK Collect sends (okhttp) to an ODK Central app-user submission URL: the token is in the path.
ODK_HEADERS = {
    "User-Agent": "org.odk.collect.android/v2024.2.4 okhttp/4.12.0 Dalvik/2.1.0 (Linux; U; Android 11; "
    "SM-A105F Build/RP1A.200720.012)",
    "X-OpenRosa-Version": "1.0",
    "Accept-Encoding": "gzip",
    "Date": "Fri, 27 Nov 2026 01:30:12 GMT+00:00",
    "Connection": "Keep-Alive",
}
BOUNDARY = "c4a8e3d5-7b0f-4f5e-9a51-2d4b7e1f0a63"
OK_XML = (
    b'<OpenRosaResponse xmlns="http://openrosa.org/http/response" items="0">'
    b'<message nature="">full submission upload was successful!</message></OpenRosaResponse>'
)


class _Sink(BaseHTTPRequestHandler):
    """Answers like an OpenRosa server: HEAD → 204 with the accepted size, POST → 201 with a response XML."""

    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def log_message(self, *_args) -> None:  # quiet
        pass

    def _common(self) -> None:
        self.send_header("X-OpenRosa-Version", "1.0")
        self.send_header("X-OpenRosa-Accept-Content-Length", "104857600")
        self.send_header("Connection", "keep-alive")

    def do_HEAD(self) -> None:
        self.send_response(204)
        self._common()
        self.end_headers()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(201)
        self._common()
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(OK_XML)))
        self.end_headers()
        self.wfile.write(OK_XML)


class OpenRosaSink:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> OpenRosaSink:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _elements(values: Mapping[str, object]) -> Iterable[str]:
    for key, value in values.items():
        if isinstance(value, list):
            for entry in value:
                inner = "".join(_elements(entry)) if isinstance(entry, Mapping) else escape(str(entry))
                yield f"<{key}>{inner}</{key}>"
        elif value is None:
            yield f"<{key}/>"
        else:
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            yield f"<{key}>{escape(text)}</{key}>"


def submission_xml(event: Event) -> bytes:
    """The record as an XForm instance: the same fields as the event, plus the OpenRosa meta block."""
    instance = str(uuid.UUID(event.event_id))
    parts = [
        f'<?xml version=\'1.0\' ?><data id="fl_{str(event.type).replace(".", "_")}" version="2024.1" '
        'xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">',
        *_elements(dict(event.body)),
        "<applicant>",
        *_elements(dict(event.pii or {})),
        "</applicant>",
        f"<occurred_at>{event.occurred_at}</occurred_at><orx:meta><orx:instanceID>uuid:{instance}"
        f"</orx:instanceID><orx:deviceID>{event.device_id}</orx:deviceID></orx:meta></data>",
    ]
    return "".join(parts).encode("utf-8")


def multipart(xml: bytes) -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="xml_submission_file"; '
            f'filename="submission.xml"\r\nContent-Type: text/xml\r\n\r\n'
        ).encode()
        + xml
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def upload(base_url: str, events: Sequence[Event], token: str) -> int:
    """Submit each record as ODK Collect does (HEAD, then POST); returns the records the sink took (201)."""
    url = f"{base_url}/v1/key/{token}/projects/1/submission"
    taken = 0
    with requests.Session() as session:
        session.headers.clear()
        session.headers.update(ODK_HEADERS)
        for event in events:
            if session.head(url, timeout=10).status_code != 204:
                continue
            response = session.post(
                url,
                data=multipart(submission_xml(event)),
                timeout=10,
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            )
            taken += response.status_code == 201
    return taken
