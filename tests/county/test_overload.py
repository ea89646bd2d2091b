"""Overload is answered 503 with Retry-After, never 500: here, no pooled database connection comes free."""

from __future__ import annotations

from pathlib import Path

import requests

from county.api.app import create_app
from county.config import Limits, Settings
from county.db import make_engine, upgrade
from county.services.pii import new_key
from tests.county.conftest import start_server


def test_a_request_that_gets_no_database_connection_is_told_to_come_back(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'county.db'}", pool_size=1, max_overflow=0, pool_timeout=0.2)
    upgrade(engine)
    settings = Settings(database_url="(test)", limits=Limits(retry_after_seconds=7), pii_key=new_key())
    server, thread, port = start_server(create_app(settings, engine))
    url, headers = f"http://127.0.0.1:{port}/api/v1/status", {"Authorization": "Device " + "a" * 32 + ".secret"}
    try:
        with engine.connect() as held:  # the pool's only connection, busy elsewhere
            held.exec_driver_sql("SELECT 1")
            response = requests.get(url, headers=headers, timeout=10)
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "7"
            assert response.json()["error"]["code"] == "overloaded"
        again = requests.get(url, headers=headers, timeout=10)  # the connection is back: the call is answered
        assert again.status_code == 401 and again.json()["error"]["code"] == "auth_invalid"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
