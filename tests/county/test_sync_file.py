"""The offline sync file: exported on the counter, carried on a stick, imported at the county exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from county import cli as county_cli
from county.errors import ApiError
from county.models import LedgerEvent
from county.services.sync_file import import_file
from desktop.services.activation import activate, sync_client_for
from desktop.services.sync_file import ExportError, export_pending
from desktop.store.sync_port import StoreSyncPort
from sync.engine import SyncEngine
from sync.ledger.forms import draft_complete
from tests.county.conftest import new_point
from tests.factories import PASSWORD, make_case_draft


@pytest.fixture
def device(county, tmp_path):
    store = activate(county.base_url, new_point(county)["code"], tmp_path / "d", PASSWORD).store
    yield store
    store.close()


def stored(county) -> int:
    with county.session() as session:
        return session.scalar(select(func.count()).select_from(LedgerEvent))


def test_export_import_then_online_sync_acknowledges_without_doubling(county, device, tmp_path):
    for _ in range(5):
        (ev,) = device.append(make_case_draft())
        device.append(draft_complete(ev.body["case_id"]))
    path = tmp_path / "stick" / "瑶里村-同步.ssb"
    path.parent.mkdir()
    assert export_pending(device, path) == 10

    with county.session() as session:
        result = import_file(session, path.read_bytes(), max_events=20_000, actor="test")
    assert [r.status for r in result.results] == ["accepted"] * 10
    with county.session() as session:  # importing the same stick twice changes nothing
        again = import_file(session, path.read_bytes(), max_events=20_000, actor="test")
    assert {r.status for r in again.results} == {"duplicate"} and stored(county) == 10

    report = SyncEngine(sync_client_for(device), StoreSyncPort(device), app_version="t").run()
    assert report.duplicates == 10 and report.accepted == 0
    assert device.outbox_counts() == {"acked": 10}
    with pytest.raises(ExportError, match="没有需要同步"):
        export_pending(device, tmp_path / "empty.ssb")


def test_a_changed_file_fails_its_signature_and_stores_nothing(county, device, tmp_path):
    device.append(make_case_draft())
    path = tmp_path / "x.ssb"
    export_pending(device, path)
    data = bytearray(path.read_bytes())
    data[-30] ^= 0x01
    with county.session() as session, pytest.raises(ApiError) as info:
        import_file(session, bytes(data), max_events=20_000, actor="test")
    assert info.value.code in ("bad_signature", "bad_sync_file")
    with county.session() as session, pytest.raises(ApiError, match="不是乡村随身办"):
        import_file(session, b"PK\x03\x04 a zip file", max_events=20_000, actor="test")
    assert stored(county) == 0


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)  # the command opens the file by URL
def test_the_county_command_imports_a_file(county, device, tmp_path, capsys):
    device.append(make_case_draft())
    path = tmp_path / "y.ssb"
    export_pending(device, path)
    assert county_cli.main(["--db", str(county.engine.url), "import", str(path)]) == 0
    assert "新收到 1 条" in capsys.readouterr().out and stored(county) == 1
