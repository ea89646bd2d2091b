"""The FastAPI application: routes under /api/v1, /healthz, one JSON error shape, no 5xx for bad input."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from county import logs
from county.api.errors import status_of
from county.config import Settings
from county.db import WriteGate, make_engine, session_factory, write_gate
from county.errors import CountyError, Refusal, overloaded
from county.services import pii_keys
from county.services.pii import PiiBox

log = logging.getLogger(__name__)


class AppState:
    """What the routes need, built once at start and passed in (no module-level globals)."""

    def __init__(self, settings: Settings, engine: Engine):
        self.settings = settings
        self.engine = engine
        self.sessions = session_factory(engine)
        self.push_slots = threading.BoundedSemaphore(settings.limits.max_concurrent_pushes)
        self.push_turns = threading.BoundedSemaphore(settings.limits.working_pushes)
        self.write_gate = WriteGate.for_engine(engine)  # SQLite: batches queue for the file, not poll for it
        # no key, no endpoint: personal fields are never stored in clear; the data keys come from the database
        self.pii = pii_keys.attach(PiiBox.from_settings(settings), engine)
        self.read_engine = engine.execution_options(sqlite_deferred=True)
        self.readers = session_factory(self.read_engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One request's transaction. On SQLite every one writes (BEGIN IMMEDIATE), so each passes the write
        gate: pulls queue with the pushes instead of polling for a lock the pushes hand on to each other."""
        with write_gate(self.write_gate):
            session = self.sessions()
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A read of single statements outside the write gate, without the ORM: the public lookup's one
        statement (county/services/public_lookup_read.py)."""
        with self.read_engine.connect() as conn:
            yield conn

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A short read outside the write gate (a deferred transaction on SQLite, which WAL lets run beside the
        writer): checking a push's credential before its body is read."""
        session = self.readers()
        try:
            yield session
        finally:
            session.rollback()
            session.close()


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    app = FastAPI(title="乡村随身办 县级端", version="1", openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    app.state.core = AppState(settings, engine or make_engine(settings.database_url))
    app.add_middleware(logs.RequestIds)  # every log line of a request carries its id; echoed as X-Request-ID

    @app.exception_handler(CountyError)
    async def _api_error(_request: Request, exc: CountyError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return JSONResponse(exc.body(), status_code=status_of(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, _exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            CountyError(Refusal.UNPROCESSABLE, "bad_request", "请求参数不对，已拒收。").body(), status_code=422
        )

    def _overloaded() -> JSONResponse:
        error = overloaded(settings.limits.retry_after_seconds)
        return JSONResponse(error.body(), status_code=503, headers={"Retry-After": str(error.retry_after)})

    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, exc: OperationalError) -> JSONResponse:
        # A locked SQLite file, or PostgreSQL out of connections ("too many clients"): try again later.
        log.warning("database busy: %s", type(exc.orig).__name__)
        return _overloaded()

    @app.exception_handler(PoolTimeout)
    async def _no_connection(_request: Request, _exc: PoolTimeout) -> JSONResponse:
        # Every pooled connection of this process stayed busy past the pool's timeout: overloaded, not broken.
        log.warning("no database connection came free in time")
        return _overloaded()

    @app.exception_handler(DBAPIError)
    async def _db_error(_request: Request, exc: DBAPIError) -> JSONResponse:
        # Constraint races and the like: the batch was rolled back whole; the client retries.
        log.warning("database refused a write: %s", type(exc.orig).__name__)
        error = CountyError(
            Refusal.CONFLICT,
            "retry",
            "县里正在处理同一批数据，稍后会自动重试。",
            retry_after=settings.limits.retry_after_seconds,
        )
        return JSONResponse(error.body(), status_code=409, headers={"Retry-After": str(error.retry_after)})

    from county.web import install_first

    install_first(app)  # the 专区 status lookup before the other routes (county/web/__init__.py)
    from county.api.evidence import router as evidence_router
    from county.api.exchange import router as exchange_router
    from county.api.exchange import webhooks as exchange_webhooks
    from county.api.routes import router

    app.include_router(router)
    app.include_router(evidence_router)  # material images, beside the event batches (county/api/evidence.py)
    app.include_router(exchange_router)  # the data exchange for department systems (docs/data-api.md)
    app.webhooks.include_router(exchange_webhooks)  # documented in the schema, sent by county/services/webhooks.py
    from county.web import install as install_console

    install_console(app)  # the county console's pages under /console (county/web)

    @app.get("/healthz", include_in_schema=True)
    def healthz() -> dict:
        return {"status": "ok"}

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def create_app_from_env() -> FastAPI:
    """The app as each endpoint process builds it when `suishenban-county serve` runs several (uvicorn factory)."""
    logs.configure()  # a process of its own (spawned): its log lines go to stdout as the parent's do
    app = create_app(Settings.from_env())
    start_webhook_worker(app)
    settle_collector()
    return app


def start_webhook_worker(app: FastAPI) -> threading.Event:
    """The serving process also sends the API clients' webhook notifications (county/api/webhook_worker.py);
    every process may: a notification is claimed before it is sent. Set the event returned to stop it."""
    from county.api import webhook_worker

    core = app.state.core
    _thread, stop = webhook_worker.start(core.session, core.read_session, core.pii)
    return stop


COLLECTOR_THRESHOLDS = (20_000, 20, 10)  # Python's defaults: (700, 10, 10)


def settle_collector() -> None:
    """For a serving process, once its app is built: what start-up made (modules, schemas, the app) leaves the
    cycle collector's view (gc.freeze), and the youngest generation is collected every 20,000 new objects
    instead of 700. A push of 500 events makes hundreds of thousands of short-lived objects, almost none in
    cycles; collecting them every 700 cost about a tenth of the endpoint's CPU (docs/benchmarks.md, "Sync")."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


def _openapi(app: FastAPI) -> dict:
    """The generated schema plus the request bodies of enrol, push and the exchange's statuses, which the routes
    read themselves (to bound their size and decompress gzip safely) and so FastAPI cannot see."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from county.services.exchange_wire import StatusRequest
    from sync.wire import EnrolRequest, ErrorResult, PushRequest

    schema = get_openapi(title=app.title, version=app.version, routes=app.routes, webhooks=app.webhooks.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    bodies = (
        ("/api/v1/enrol", EnrolRequest),
        ("/api/v1/push", PushRequest),
        ("/api/v1/exchange/statuses", StatusRequest),
    )
    for path, model in bodies:
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(model_schema.pop("$defs", {}))
        components[model.__name__] = model_schema
        schema["paths"][path]["post"]["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        }
    error_schema = ErrorResult.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorResult"] = error_schema
    app.openapi_schema = schema
    return schema
