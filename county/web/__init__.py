"""The county's web pages: the console (县级端网页) for staff under /console, the public 专区 under /ssb."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from county.web.deps import ConsoleRedirect, ConsoleRefused
from county.web.render import HERE, is_htmx, page

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


def install(app: FastAPI) -> None:
    from county.web import routes_apply, routes_consult, routes_public, routes_zhuanqu

    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.mount("/ssb/static", StaticFiles(directory=HERE / "static" / "public"), name="public-static")
    for router in routers():
        app.include_router(router, include_in_schema=False)
    app.include_router(routes_public.router, include_in_schema=False)
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

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        if request.url.path.startswith("/console"):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            if not request.url.path.startswith("/console/static"):
                response.headers.setdefault("Cache-Control", "no-store")
        elif request.url.path.startswith("/ssb"):
            from county.web.routes_public import CSP as PUBLIC_CSP

            response.headers.setdefault("Content-Security-Policy", PUBLIC_CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "no-referrer")  # the check code is in the address
            static = request.url.path.startswith("/ssb/static")
            response.headers.setdefault("Cache-Control", "public, max-age=86400" if static else "no-store")
        return response
