"""Enrolment hands the point its receipt check-code key; codes printed by the counter verify at the county."""

from __future__ import annotations

import secrets

import pytest

from county.api.app import create_app
from county.config import Settings
from county.services.pii import new_key
from desktop.services.activation import activate
from desktop.store.engine import read
from desktop.store.ledger import get_meta
from sync.ledger.check_code import check_code, verify_check_code
from tests.county.conftest import RunningCounty, new_point, start_server
from tests.factories import PASSWORD, make_case_draft


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_code_printed_at_the_counter_verifies_with_the_countys_derived_key(county_engine, tmp_path):
    settings = Settings(
        database_url="(fixture)",
        qr_key=secrets.token_hex(32),
        query_url_base="https://zwfw.example/ssb/q",
        pii_key=new_key(),
    )
    server, thread, port = start_server(create_app(settings, county_engine))
    try:
        county = RunningCounty(f"http://127.0.0.1:{port}", county_engine, settings)
        setup = new_point(county)
        store = activate(county.base_url, setup["code"], tmp_path / "d", PASSWORD).store
        try:
            with read(store.engine) as conn:
                meta = get_meta(conn)
            assert meta["printing.query_url_base"] == "https://zwfw.example/ssb/q"
            (ev,) = store.append(make_case_draft())
            printed = check_code(ev.body["receipt_no"], bytes.fromhex(meta["receipt_check_key"]))
            county_key = bytes.fromhex(settings.point_check_key(setup["point_code"]))
            assert verify_check_code(ev.body["receipt_no"], printed, county_key)
            other_point = bytes.fromhex(settings.point_check_key("0999"))
            assert not verify_check_code(ev.body["receipt_no"], printed, other_point)
        finally:
            store.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
