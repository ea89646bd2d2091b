"""The HTTP client of the sync protocol: one call per message, every failure sorted into a kind.

Systemic failures (network down, timeouts, 5xx, 429/503 with Retry-After, a captive portal's HTML
page, a truncated answer) stop the run and back off. Auth refusals lock the app. A gap asks for a
resend from a sequence number; a conflict is never retried blindly. An app older than the county
accepts is told to update (426) and keeps everything queued.
"""

from __future__ import annotations

import requests
from pydantic import BaseModel, ValidationError
from requests.packages.urllib3.util import SKIP_HEADER  # requests' own transport; keeps sync's imports to requests

from sync.body_codec import DICT_ENCODING, compress
from sync.wire import (
    APP_VERSION_HEADER,
    EnrolRequest,
    EnrolResult,
    PullResult,
    PushRequest,
    PushResult,
    StatusResult,
)

DEFAULT_TIMEOUT = (10, 60)  # connect, read: village links are slow
# Every byte counts on a village link: no User-Agent, Accept, Accept-Encoding or Connection header (the
# county answers JSON, uncompressed, and HTTP/1.1 keeps the connection open by default).
LEAN_HEADERS = {"User-Agent": SKIP_HEADER, "Accept-Encoding": SKIP_HEADER, "Accept": None, "Connection": None}


class SyncError(Exception):
    """Base of every sync failure; ``message`` is Chinese, for the agent."""

    def __init__(self, message: str, *, code: str = "", retry_after: float | None = None):
        super().__init__(message)
        self.message, self.code, self.retry_after = message, code, retry_after


class Transient(SyncError):
    """Systemic and temporary: stop this run, back off, try again later. Nothing is lost."""


class AuthRefused(SyncError):
    """The county refuses this device (revoked device, account or point, bad credential): lock the app."""


class Gap(SyncError):
    def __init__(self, message: str, resend_from: int):
        super().__init__(message, code="gap")
        self.resend_from = resend_from


class Conflict(SyncError):
    """The county holds different content for our sequence numbers: flagged there, never retried blindly."""


class Outdated(SyncError):
    """The county no longer accepts this app's version (426 app_outdated): update the app; nothing is lost.

    ``min_version`` is the lowest version the county accepts. The county may lower it again, so the client
    asks once an hour (``retry_after``) rather than giving up.
    """

    RETRY_S = 3600.0

    def __init__(self, message: str, *, min_version: str = ""):
        super().__init__(message, code="app_outdated", retry_after=self.RETRY_S)
        self.min_version = min_version


class Refused(SyncError):
    """The county refused the whole request as malformed (4xx): a bug or an outdated app."""


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


class SyncClient:
    def __init__(
        self,
        base_url: str,
        device_token: str | None = None,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        app_version: str | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.device_token = device_token
        self.app_version = app_version  # named on pull and status; push and enrol carry it in their body
        self.http = session or requests.Session()
        self.timeout = timeout

    def _call(
        self,
        method: str,
        path: str,
        result: type[BaseModel],
        *,
        body: BaseModel | None = None,
        params: dict | None = None,
    ) -> BaseModel:
        headers = dict(LEAN_HEADERS)
        data = None
        if self.device_token:
            headers["Authorization"] = f"Device {self.device_token}"
        if body is not None:
            data = encode_body(body)
            headers.update({"Content-Type": "application/json", "Content-Encoding": DICT_ENCODING})
        elif self.app_version:
            headers[APP_VERSION_HEADER] = self.app_version
        try:
            response = self.http.request(
                method, self.base_url + path, data=data, params=params, headers=headers, timeout=self.timeout
            )
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise Transient("县里的回复不完整，会自动重试，数据不会丢失。", code="truncated") from exc
        except requests.RequestException as exc:
            raise Transient("连不上县里的服务器，网络恢复后会自动重试，数据不会丢失。", code="network") from exc
        return self._read(response, result)

    def _read(self, response: requests.Response, result: type[BaseModel]) -> BaseModel:
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            # Hotel-style captive portals answer 200 with an HTML login page: never success.
            raise Transient(
                "网络需要先登录（例如连的是需要认证的无线网），请检查网络后再同步。数据不会丢失。", code="not_json"
            )
        try:
            payload = response.json()
        except (ValueError, requests.RequestException) as exc:
            raise Transient("县里的回复不完整，会自动重试，数据不会丢失。", code="truncated") from exc
        if response.status_code >= 400:
            self._raise(response, payload)
        try:
            return result.model_validate(payload)
        except ValidationError as exc:
            raise Transient("县里的回复看不懂（可能在传输中损坏），会自动重试。", code="bad_response") from exc

    def _raise(self, response: requests.Response, payload: object) -> None:
        error = payload.get("error", {}) if isinstance(payload, dict) else {}
        error = error if isinstance(error, dict) else {}
        message = str(error.get("message") or "县里的服务器暂时出错，会自动重试。")
        code = str(error.get("code") or "")
        status = response.status_code
        if status in (429, 503) or status >= 500:
            raise Transient(message, code=code or str(status), retry_after=_retry_after(response))
        if status in (401, 403):
            raise AuthRefused(message, code=code)
        if status == 426:
            raise Outdated(message, min_version=str(error.get("min_app_version") or ""))
        if status == 409 and code == "gap" and isinstance(error.get("resend_from"), int):
            raise Gap(message, error["resend_from"])
        if status == 409 and code == "conflict":
            raise Conflict(message, code=code)
        if status == 409:
            raise Transient(message, code=code, retry_after=_retry_after(response))
        raise Refused(message, code=code)

    # ---- the four messages ----

    def enrol(self, request: EnrolRequest) -> EnrolResult:
        return self._call("POST", "/api/v1/enrol", EnrolResult, body=request)  # type: ignore[return-value]

    def push(self, request: PushRequest) -> PushResult:
        return self._call("POST", "/api/v1/push", PushResult, body=request)  # type: ignore[return-value]

    def pull(self, cursor: int, limit: int = 200) -> PullResult:
        return self._call("GET", "/api/v1/pull", PullResult, params={"cursor": cursor, "limit": limit})  # type: ignore

    def status(self) -> StatusResult:
        return self._call("GET", "/api/v1/status", StatusResult)  # type: ignore[return-value]


def encode_body(request: BaseModel) -> bytes:
    """A request body as the client sends it: compact JSON, deflated with the protocol's dictionary."""
    return compress(request.model_dump_json(exclude_none=True).encode("utf-8"))


def request_size(request: BaseModel) -> int:
    """Bytes on the wire for a request body, as the client sends it (for limits and benchmarks)."""
    return len(encode_body(request))


__all__ = [
    "AuthRefused",
    "Conflict",
    "Gap",
    "Outdated",
    "Refused",
    "SyncClient",
    "SyncError",
    "Transient",
    "encode_body",
    "request_size",
]
