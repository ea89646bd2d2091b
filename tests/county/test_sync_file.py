"""The offline sync file: exported on the counter, carried on a stick, imported at the county exactly once."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from county import cli as county_cli
from county.config import Limits
from county.errors import CountyError
from county.models import LedgerEvent
from county.services.sync_file import import_file
from desktop.services.activation import activate, sync_client_for
from desktop.services.sync_file import ExportError, export_pending, seal
from desktop.store.engine import read
from desktop.store.ledger import get_meta
from desktop.store.sync_port import StoreSyncPort
from sync.engine import SyncEngine
from sync.ledger.forms import draft_complete
from sync.syncfile import pack, pack_sealed, sealed_signed_part
from tests.county.conftest import new_point
from tests.factories import PASSWORD, make_case_draft

ROOT = Path(__file__).resolve().parents[2]


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
    assert export_pending(device, path).records == 10

    with county.session() as session:
        result = import_file(session, path.read_bytes(), max_events=20_000, settings=county.settings, actor="test")
    assert [r.status for r in result.results] == ["accepted"] * 10
    with county.session() as session:  # importing the same stick twice changes nothing
        again = import_file(session, path.read_bytes(), max_events=20_000, settings=county.settings, actor="test")
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
    with county.session() as session, pytest.raises(CountyError) as info:
        import_file(session, bytes(data), max_events=20_000, settings=county.settings, actor="test")
    assert info.value.code in ("bad_signature", "bad_sync_file")
    with county.session() as session, pytest.raises(CountyError, match="不是乡村随身办"):
        import_file(session, b"PK\x03\x04 a zip file", max_events=20_000, settings=county.settings, actor="test")
    assert stored(county) == 0


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)  # the command opens the file by URL
def test_the_county_command_imports_a_file(county, device, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY", county.settings.pii_key)
    device.append(make_case_draft())
    path = tmp_path / "y.ssb"
    export_pending(device, path)
    assert county_cli.main(["--db", str(county.engine.url), "import", str(path)]) == 0
    assert "新收到 1 条" in capsys.readouterr().out and stored(county) == 1


def gzip_bomb(prefix: bytes, chunks: int = 1024) -> bytes:
    """About 1 MB of gzip that inflates to ``prefix`` and then ``chunks`` MB of spaces (built, not compressed:
    after a full flush, identical input compresses to identical bytes)."""
    packer, chunk = zlib.compressobj(9, zlib.DEFLATED, -15), b" " * (1 << 20)
    head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(prefix)
    for _ in range(chunks):
        crc = zlib.crc32(chunk, crc)
    trailer = struct.pack("<II", crc, (len(prefix) + chunks * len(chunk)) & 0xFFFFFFFF)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + head + block * chunks + packer.flush() + trailer


def signed_file(device, payload_gz: bytes) -> bytes:
    """A sync file signed and encrypted with the device's own keys, as a stolen or broken counter could make one."""
    with read(device.engine) as conn:
        meta = get_meta(conn)
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(meta["signing_key"]))
    device_id, nonce = device.identity.device_id, os.urandom(12)
    sealed = seal(meta["device_token"], device_id, nonce, payload_gz)
    return pack_sealed(device_id, nonce, sealed, key.sign(sealed_signed_part(device_id, nonce, sealed)))


MEASURE = """
import json, resource, sys
from county import cli
url, path = sys.argv[1:]
assert cli.main(["--db", url, "init-db"]) == 0  # every module the command needs, loaded before measuring
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
code = cli.main(["--db", url, "import", path])
print(json.dumps({"exit": code, "growth_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before}))
"""


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)  # the command opens the file by URL
def test_an_unsigned_inflating_file_is_refused_within_a_memory_bound(county, device, tmp_path):
    """The attack: 1 MB that inflates to 1 GB, with a made-up signature; it once took 608 MB to 2.5 GB."""
    payload = gzip_bomb(b'{"device_id":"' + device.identity.device_id.encode() + b'","events":[')
    path = tmp_path / "bomb.ssb"
    path.write_bytes(pack(device.identity.device_id, payload, b"\x00" * 64))
    assert 1_000_000 < path.stat().st_size < 1_200_000
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SUISHENBAN_COUNTY_PII_KEY": county.settings.pii_key}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(county.engine.url), str(path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert "签名不对" in done.stdout and outcome["exit"] == 1
    assert outcome["growth_kb"] < 64 * 1024, outcome  # peak RSS growth while refusing it: well under 64 MB
    assert stored(county) == 0


@pytest.fixture
def county_limits() -> Limits:
    return Limits(max_sync_file_uncompressed=4 * 1024 * 1024)


def test_a_signed_bomb_stops_at_the_inflation_bound_and_bad_json_is_refused_as_online(county, device):
    prefix = b'{"device_id":"' + device.identity.device_id.encode() + b'","events":['
    with county.session() as session, pytest.raises(CountyError, match="记录太多"):
        import_file(
            session,
            signed_file(device, gzip_bomb(prefix, chunks=8)),
            max_events=20_000,
            settings=county.settings,
            actor="test",
        )
    (ev,) = device.append(make_case_draft())
    duplicate_key = (
        json.dumps(
            {
                "device_id": device.identity.device_id,
                "from_seq": 1,
                "prev_hash": "0" * 64,
                "head_hash": ev.hash,
                "events": [],
                "app_version": "t",
            }
        )[:-1]
        + ', "from_seq": 1}'
    )
    with county.session() as session, pytest.raises(CountyError) as info:
        import_file(
            session,
            signed_file(device, zlib.compress(duplicate_key.encode(), wbits=31)),
            max_events=20_000,
            settings=county.settings,
            actor="test",
        )
    assert info.value.code == "bad_json"  # the online push's rule: a duplicate key is refused, not last-wins
    assert stored(county) == 0
