"""County fixtures: the real endpoint on loopback, over SQLite and (when it is there) PostgreSQL."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import uvicorn
from sqlalchemy import Engine, text

from county.api.app import create_app
from county.config import EvidenceS3, Limits, Settings
from county.db import make_engine, session_factory, upgrade
from county.services import admin, pii_keys, trainings
from county.services.pii import PiiBox, new_key
from sync.clock import china_today
from tests.county.db_templates import database_url


def _postgres_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: not available here
        return f"PostgreSQL is not reachable at 127.0.0.1:5432/test ({type(exc).__name__}); county tests ran on SQLite only"


PG_UNAVAILABLE = _postgres_reason()


@pytest.fixture(params=["sqlite", "postgresql"])
def county_engine(request, tmp_path) -> Iterator[Engine]:
    """A fresh, migrated county database: a SQLite file, or a PostgreSQL database of its own — each a copy of
    one migrated per test process, brought to the head again (as every start does) to raise its feed floor."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), tmp_path / "county.db")
        engine = make_engine(f"sqlite:///{tmp_path / 'county.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    if PG_UNAVAILABLE:
        pytest.skip(PG_UNAVAILABLE)
    copies = request.getfixturevalue("postgres_copies")
    name = copies.take()
    engine = make_engine(database_url(name))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        copies.drop(name)


@dataclass
class RunningCounty:
    base_url: str
    engine: Engine
    settings: Settings

    def __post_init__(self) -> None:
        # the key ring is read (and on a new database made) now, before any test holds a writing session
        key = self.settings.pii_key
        self.box = pii_keys.attach(PiiBox.from_settings(self.settings), self.engine) if key else None

    def session(self):
        return session_factory(self.engine)()


def start_server(app) -> tuple[uvicorn.Server, threading.Thread, int]:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
        access_log=False,
        **app.state.core.settings.uvicorn_proxy_options,
    )  # as `suishenban-county serve` does
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("county server did not start")
        threading.Event().wait(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, port


@pytest.fixture
def county_limits() -> Limits:
    return Limits()


@pytest.fixture(scope="session")
def moto_s3_url() -> Iterator[str]:
    """An S3-compatible server on loopback (moto's server mode: real HTTP, as the county would meet a bucket)."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["folder"])
def evidence_backend(request) -> EvidenceS3 | None:
    """Where whole material images are kept: the folder (None, the default) or, with ``indirect`` parameter
    "s3", a fresh bucket of its own on the loopback S3 server."""
    if request.param == "folder":
        return None
    import uuid

    import boto3

    config = EvidenceS3(
        bucket=f"evidence-{uuid.uuid4().hex[:12]}",
        endpoint_url=request.getfixturevalue("moto_s3_url"),
        access_key="testing",
        secret_key="testing",
    )
    boto3.client(
        "s3",
        endpoint_url=config.endpoint_url,
        region_name=config.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=config.bucket)
    return config


@pytest.fixture
def county(county_engine, county_limits, evidence_backend, county_query_url, tmp_path) -> Iterator[RunningCounty]:
    settings = Settings(
        database_url="(fixture)",
        limits=county_limits,
        pii_key=new_key(),  # a key per test
        evidence_dir=str(tmp_path / "evidence"),
        evidence_s3=evidence_backend,
        query_url_base=county_query_url,
    )
    server, thread, port = start_server(create_app(settings, county_engine))
    try:
        yield RunningCounty(f"http://127.0.0.1:{port}", county_engine, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def new_point(
    county: RunningCounty, *, township: str = "瑶里镇", name: str = "瑶里村小卖部", agent: str = "王秀英"
) -> dict:
    """A township, a point, its agent trained (培训) and an account with a fresh activation code, as the bureau
    would set them up."""
    with county.session() as session:
        existing = session.scalar(text("SELECT id FROM township WHERE name = :n").bindparams(n=township))
        if existing is None:
            admin.create_township(session, township, actor="test")
        point = admin.create_point(session, name, township, actor="test")
        training = trainings.create_session(session, china_today(), "县政务服务中心三楼", "张老师", actor="test")
        trainings.attend(session, training.id, point=point, name=agent, actor="test")
        account = admin.create_account(session, point.code, agent, actor="test")
        issued = admin.issue_activation_code(session, account.id, ttl=timedelta(hours=1), actor="test")
        session.commit()
        return {"point_code": point.code, "account_id": account.id, "code": issued.code}
