"""The county's web pages: the console (县级端网页) for staff under /console, the public 专区 under /ssb."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from county.web.deps import ConsoleRedirect, ConsoleRefused
from county.web.render import HERE, is_htmx, page

# The 专区's: everything from the app itself and nothing runs (county/web/routes_public.py imports it from here)
PUBLIC_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# Everything the console loads comes from the app itself: no CDN, no inline script, nothing framed. Inline
# styles are allowed: htmx sets style attributes while it swaps, and a style cannot run code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def routers() -> list:
    """Every console router; the role × route test walks their routes and the roles each declares."""
    from county.web import (
        routes_apply_console,
        routes_audit,
        routes_auth,
        routes_bureau,
        routes_cases,
        routes_clients,
        routes_consult_console,
        routes_desk,
        routes_export,
        routes_fraud,
        routes_inspect,
        routes_org,
        routes_point_papers,
        routes_settlement,
        routes_stats,
        routes_training,
        routes_units,
        routes_webhooks,
    )

    modules = (  # routes_export before routes_cases: /console/cases/export is not a case id
        routes_auth,
        routes_desk,
        routes_org,
        routes_point_papers,
        routes_inspect,
        routes_export,
        routes_cases,
        routes_audit,
        routes_bureau,
        routes_consult_console,
        routes_settlement,
        routes_fraud,
        routes_clients,
        routes_webhooks,
        routes_stats,
        routes_apply_console,
        routes_training,
        routes_units,
    )
    return [module.router for module in modules]


def install_first(app: FastAPI) -> None:
    """Routes matched before every other: the 专区 status lookup, the page a receipt's QR code opens and the
    busiest public page, so a lookup is not first tried against the API's and the console's hundred-odd routes
    (the router tries them in order)."""
    from county.web import routes_public

    app.include_router(routes_public.router, include_in_schema=False)


def install(app: FastAPI) -> None:
    from county.web import routes_apply, routes_consult, routes_zhuanqu

    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.mount("/ssb/static", StaticFiles(directory=HERE / "static" / "public"), name="public-static")
    for router in routers():
        app.include_router(router, include_in_schema=False)
    app.include_router(routes_zhuanqu.router, include_in_schema=False)
    app.include_router(routes_consult.router, include_in_schema=False)
    app.include_router(routes_apply.router, include_in_schema=False)

    @app.get("/console", include_in_schema=False)
    def _console_root() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=307)

    @app.exception_handler(ConsoleRedirect)
    async def _redirect(request: Request, exc: ConsoleRedirect) -> Response:
        if is_htmx(request):  # htmx follows this header with a full page load
            return Response(status_code=401, headers={"HX-Redirect": exc.location})
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(ConsoleRefused)
    async def _refused(request: Request, exc: ConsoleRefused) -> HTMLResponse:
        heading = {403: "不能这样操作", 404: "没有找到"}.get(exc.status, "没有办成")
        return page(request, "message.html", None, heading=heading, message=exc.message, status=exc.status)

    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """ASGI middleware: the console's and the 专区's security and cache headers, where a route set none.

    Plain ASGI rather than ``@app.middleware("http")``: that one runs each request through a task group and
    memory streams, about as much CPU as a whole 专区 status lookup (docs/benchmarks.md)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith("/console"):
            extra = _CONSOLE_STATIC if path.startswith("/console/static") else _CONSOLE
        elif path.startswith("/ssb"):
            extra = _PUBLIC_STATIC if path.startswith("/ssb/static") else _PUBLIC
        else:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _value in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _encoded(pairs: dict[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs.items())


_CONSOLE_BASE = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_CONSOLE_STATIC = _encoded(_CONSOLE_BASE)
_CONSOLE = _encoded({**_CONSOLE_BASE, "Cache-Control": "no-store"})
_PUBLIC_BASE = {
    "Content-Security-Policy": PUBLIC_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the check code is in the address
}
_PUBLIC_STATIC = _encoded({**_PUBLIC_BASE, "Cache-Control": "public, max-age=86400"})
_PUBLIC = _encoded({**_PUBLIC_BASE, "Cache-Control": "no-store"})
