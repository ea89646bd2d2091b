"""How the client sorts failures: a captive portal is never success; 503 carries Retry-After; nothing acked."""

from __future__ import annotations

import pytest

from desktop.services.activation import activate, sync_client_for
from desktop.store.sync_port import StoreSyncPort
from sync.client import SyncClient
from sync.engine import SyncEngine
from tests.county.conftest import new_point
from tests.county.fault_proxy import FaultProxy
from tests.factories import PASSWORD, make_case_draft


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "fault, code, retry_after",
    [
        ("captive_portal", "not_json", None),
        ("error_503_after", "overloaded", 1.0),
        ("error_500_before", "not_json", None),
        ("truncate", "truncated", None),
        ("drop_mid_body", "network", None),
    ],
)
def test_each_failure_stops_the_run_and_acknowledges_nothing(county, tmp_path, fault, code, retry_after):
    store = activate(county.base_url, new_point(county)["code"], tmp_path / "d", PASSWORD).store
    try:
        store.append(make_case_draft())
        with FaultProxy(county.base_url, fault_rate=1.0, faults=(fault,)) as proxy:
            client = SyncClient(proxy.url, sync_client_for(store).device_token, timeout=(5, 10))
            report = SyncEngine(client, StoreSyncPort(store), app_version="t").run()
        assert not report.ok and report.error.code == code and report.error.retry_after == retry_after
        assert report.error.message and not report.locked
        assert store.outbox_counts() == {"sent": 1}  # still to send; written before the request
        assert StoreSyncPort(store).sync_notes()["last_error"] == report.error.message
        assert SyncEngine(sync_client_for(store), StoreSyncPort(store), app_version="t").run().ok
        assert store.outbox_counts() == {"acked": 1}
    finally:
        store.close()
