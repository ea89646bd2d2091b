"""The HTTP client of the sync protocol: one call per message, every failure sorted into a kind.

Systemic failures (network down, timeouts, 5xx, 429/503 with Retry-After, a captive portal's HTML
page, a truncated answer) stop the run and back off. Auth refusals lock the app. A gap asks for a
resend from a sequence number; a conflict is never retried blindly. An app older than the county
accepts is told to update (426) and keeps everything queued. An address that is not HTTPS beyond this
machine, a redirect away from HTTPS and a certificate that fails its check stop the run before anything
is sent (``sync.tls``).
"""

from __future__ import annotations

from urllib.parse import urljoin

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from requests.packages.urllib3.util import SKIP_HEADER  # requests' own transport; keeps sync's imports to requests

from sync.body_codec import DICT_ENCODING, compress
from sync.tls import MESSAGES, address_problem, certificate_problem, is_downgrade, trust_context
from sync.wire import (
    APP_VERSION_HEADER,
    FEED_VERSION,
    EnrolRequest,
    EnrolResult,
    ImageState,
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


class NotYet(SyncError):
    """The county does not know this image yet (its evidence.attached event has not arrived): send events first."""


class Resume(SyncError):
    """The county holds a different length of this image than the chunk assumed: go on from ``received``."""

    def __init__(self, message: str, received: int):
        super().__init__(message, code="offset")
        self.received = received


class Refused(SyncError):
    """The county refused the whole request as malformed (4xx): a bug or an outdated app."""


class Insecure(SyncError):
    """An address that is not HTTPS beyond this machine, or a redirect away from HTTPS: nothing was sent."""


class CertificateProblem(SyncError):
    """The county's certificate failed its check (``problem``: expired, not_yet_valid, wrong_name, unknown_issuer,
    revoked, old_tls, portal, ca_file, other). Systemic: the run stops, nothing was sent; a person must act."""

    def __init__(self, problem: str, message: str | None = None):
        super().__init__(message or MESSAGES.get(problem, MESSAGES["other"]), code=f"cert_{problem}")
        self.problem = problem


REDIRECT_REFUSED = (
    "县里服务器把连接转到了一个不加密（http://）的地址，这台电脑没有跟过去，也没有发出任何记录。"
    "这可能是网络被人动了手脚，也可能是县里服务器设置有误。请打电话告诉县政务服务管理局（负责信息化的同志）。"
)


class TrustAdapter(HTTPAdapter):
    """requests' transport with our TLS context: the PC's trust store plus the county's CA file, TLS 1.2 or newer."""

    def __init__(self, context, **kwargs):
        self.context = context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self.context
        return super().init_poolmanager(*args, **kwargs)

    def cert_verify(self, conn, url, verify, cert):
        """Always checked, and only against our context: requests would add certifi's bundle (and honour
        ``verify=False``); neither belongs on a counter PC, which trusts what Windows trusts."""
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = conn.ca_cert_dir = None

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        proxy_kwargs["ssl_context"] = self.context
        return super().proxy_manager_for(proxy, **proxy_kwargs)


def _refuse_downgrade(response: requests.Response, *args, **kwargs) -> None:
    """A response hook: a redirect away from HTTPS (or anywhere a county address may not be) is never followed."""
    location = response.headers.get("Location")
    if response.is_redirect and location and is_downgrade(response.url, urljoin(response.url, location)):
        response.close()
        raise Insecure(REDIRECT_REFUSED, code="insecure_redirect")


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
        ca_file: str = "",
    ):
        self.base_url = base_url.strip().rstrip("/")
        self.device_token = device_token
        self.app_version = app_version  # named on pull and status; push and enrol carry it in their body
        self.http = session or requests.Session()
        self.timeout = timeout
        self.ca_file = ca_file  # the county's own CA, beside the operating system's store
        self._trusted = False

    def _secure(self) -> None:
        """Before the first request: the address is allowed, the session checks certificates our way."""
        problem = address_problem(self.base_url)
        if problem:
            raise Insecure(problem, code="insecure_address")
        if self._trusted:
            return
        try:
            context = trust_context(self.ca_file)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            raise CertificateProblem("ca_file") from exc
        self.http.verify = True  # never off, whatever the session came with
        self.http.mount("https://", TrustAdapter(context))
        if _refuse_downgrade not in self.http.hooks["response"]:
            self.http.hooks["response"].append(_refuse_downgrade)
        self._trusted = True

    def _call(
        self,
        method: str,
        path: str,
        result: type[BaseModel],
        *,
        body: BaseModel | None = None,
        params: dict | None = None,
        raw: bytes | None = None,
        extra: dict | None = None,
    ) -> BaseModel:
        headers = dict(LEAN_HEADERS)
        data = raw
        if self.device_token:
            headers["Authorization"] = f"Device {self.device_token}"
        if raw is not None:
            headers.update(extra or {})
            headers["Content-Type"] = "application/octet-stream"
        elif body is not None:
            data = encode_body(body)
            headers.update({"Content-Type": "application/json", "Content-Encoding": DICT_ENCODING})
        elif self.app_version:
            headers[APP_VERSION_HEADER] = self.app_version
        self._secure()
        try:
            response = self.http.request(
                method, self.base_url + path, data=data, params=params, headers=headers, timeout=self.timeout
            )
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise Transient("县里的回复不完整，会自动重试，数据不会丢失。", code="truncated") from exc
        except requests.exceptions.SSLError as exc:
            problem = certificate_problem(exc)
            if problem is None:
                raise Transient("连不上县里的服务器，网络恢复后会自动重试，数据不会丢失。", code="network") from exc
            raise CertificateProblem(problem) from exc
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
        if status == 409 and code == "offset" and isinstance(error.get("resend_from"), int):
            raise Resume(message, error["resend_from"])
        if status == 404 and code == "unknown_image":
            raise NotYet(message, code=code)
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
        params = {"cursor": cursor, "limit": limit, "feed": FEED_VERSION}
        return self._call("GET", "/api/v1/pull", PullResult, params=params)  # type: ignore

    def status(self) -> StatusResult:
        return self._call("GET", "/api/v1/status", StatusResult)  # type: ignore[return-value]

    # ---- material images, beside the batches ----

    def image_state(self, sha256: str) -> ImageState:
        return self._call("GET", f"/api/v1/evidence/{sha256}", ImageState)  # type: ignore[return-value]

    def put_image(self, sha256: str, first: int, chunk: bytes, size: int) -> ImageState:
        """One chunk of an image, starting at byte ``first`` of ``size``; raises Resume if the county is elsewhere."""
        span = {"Content-Range": f"bytes {first}-{first + len(chunk) - 1}/{size}"}
        if self.app_version:
            span[APP_VERSION_HEADER] = self.app_version
        return self._call("PUT", f"/api/v1/evidence/{sha256}", ImageState, raw=chunk, extra=span)  # type: ignore


def encode_body(request: BaseModel) -> bytes:
    """A request body as the client sends it: compact JSON, deflated with the protocol's dictionary."""
    return compress(request.model_dump_json(exclude_none=True).encode("utf-8"))


def request_size(request: BaseModel) -> int:
    """Bytes on the wire for a request body, as the client sends it (for limits and benchmarks)."""
    return len(encode_body(request))


__all__ = [
    "AuthRefused",
    "CertificateProblem",
    "Conflict",
    "Gap",
    "Insecure",
    "NotYet",
    "Outdated",
    "Refused",
    "Resume",
    "SyncClient",
    "SyncError",
    "Transient",
    "encode_body",
    "request_size",
]
