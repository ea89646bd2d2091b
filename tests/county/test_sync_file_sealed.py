"""The sync file (同步文件) is encrypted for the county: a found stick shows nothing, a changed file is refused, and
the older clear format is read only while the county's minimum counter version still admits it."""

from __future__ import annotations

import dataclasses
import gzip

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from county.errors import CountyError
from county.models import LedgerEvent
from county.services.evidence_s3 import image_store
from county.services.sync_file import import_file, open_payload
from desktop.services.sync_file import export_pending
from desktop.store import evidence as evidence_store
from desktop.store.engine import read
from desktop.store.ledger import get_meta
from sync.syncfile import ENCRYPTED_SINCE, MAGIC, pack, payload_of, read_header, signed_part, token_hash_of
from sync.wire import PushRequest, event_to_wire
from tests.county.test_evidence_upload import _case_with_images, _counter
from tests.county.test_sync_file import signed_file

pytestmark = [
    pytest.mark.parametrize("county_engine", ["sqlite", "postgresql"], indirect=True),
    pytest.mark.parametrize("evidence_backend", ["folder"], indirect=True),
]


def _import(county, data: bytes, settings=None) -> tuple[list[str], list[str]]:
    kept: list[str] = []
    with county.session() as session:
        result = import_file(
            session, data, max_events=20_000, settings=settings or county.settings, actor="test", images_kept=kept
        )
        session.commit()
    return [r.status for r in result.results], kept


def _stored(county) -> int:
    with county.session() as session:
        return session.scalar(select(func.count()).select_from(LedgerEvent))


def _refused(county, data: bytes, settings=None) -> CountyError:
    with county.session() as session, pytest.raises(CountyError) as refused:
        import_file(session, data, max_events=20_000, settings=settings or county.settings, actor="test")
    return refused.value


def test_the_file_on_the_stick_holds_no_record_and_no_image_in_clear_and_imports_whole(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    detail, (first, second) = _case_with_images(counter, [600, 500], seed=70)
    stick = tmp_path / "stick" / "瑶里村-同步.ssb"
    stick.parent.mkdir()
    assert export_pending(counter.store, stick).images == 2
    data = stick.read_bytes()

    assert data.startswith(MAGIC)
    images = [evidence_store.image_data(counter.store, image.seq) for image in (first, second)]
    clear = [
        detail.receipt_no.encode(),
        detail.case_id.encode(),
        "王秀英".encode(),  # the applicant's name as the factories write it
        first.body["sha256"].encode(),
        b"WEBP",
        b"evidence.attached",
    ]
    clear += [image[k : k + 32] for image in images for k in range(0, len(image) - 32, 997)]  # slices of each page
    assert [piece for piece in clear if piece in data] == []
    header = read_header(data)
    assert header.encrypted and b"\x1f\x8b\x08" not in header.body[:3]  # not even the gzip stream's start
    with read(counter.store.engine) as conn:
        token = get_meta(conn)["device_token"]
    opened = open_payload(header, token_hash_of(token))  # what the county reads, with the key the credential gives
    assert all(image in opened for image in images)
    assert detail.receipt_no.encode() in gzip.decompress(opened[: opened.index(b"image ")])

    statuses, kept = _import(county, data)
    assert statuses == ["accepted"] * 3 and sorted(kept) == sorted([first.body["sha256"], second.body["sha256"]])
    store = image_store(county.settings)
    assert all(store.has(image.body["sha256"]) for image in (first, second))
    counter.close()


def test_a_changed_file_or_one_sealed_with_another_key_is_refused_in_plain_words(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    _case_with_images(counter, [500], seed=71)
    stick = tmp_path / "f.ssb"
    export_pending(counter.store, stick)
    data = stick.read_bytes()

    for at in (len(data) - 5, len(data) // 2, data.index(b"nonce ") + 10):  # the tag, the middle, the nonce
        changed = bytearray(data)
        changed[at] = ord("1") if changed[at] != ord("1") else ord("2")  # still a hex digit in the nonce line
        refused = _refused(county, bytes(changed))
        assert refused.code == "bad_signature" and "签名不对（文件被改动过" in refused.message

    # signed by the device itself but sealed with a key the county does not derive (a credential not this one's)
    header = read_header(data)
    with read(counter.store.engine) as conn:
        token = get_meta(conn)["device_token"]
    payload = open_payload(header, token_hash_of(token))
    device_id = counter.store.identity.device_id
    import os

    from desktop.services.sync_file import seal
    from sync.syncfile import pack_sealed, sealed_signed_part

    with read(counter.store.engine) as conn:
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(get_meta(conn)["signing_key"]))
    nonce = os.urandom(12)
    sealed = seal(f"{device_id}.another-credential", device_id, nonce, payload)
    wrong = pack_sealed(device_id, nonce, sealed, key.sign(sealed_signed_part(device_id, nonce, sealed)))
    refused = _refused(county, wrong)
    assert refused.code == "bad_sync_file" and "同步文件解不开" in refused.message and "重新导出" in refused.message
    assert _stored(county) == 0  # nothing of either half-stored
    assert _import(county, signed_file(counter.store, payload))[0] == ["accepted"] * 2  # the same, sealed right
    counter.close()


def test_an_older_clear_file_is_read_until_the_minimum_version_retires_it(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    _case_with_images(counter, [500], seed=72)
    store = counter.store
    events = store.pending_events(100)
    request = PushRequest(
        device_id=store.identity.device_id,
        from_seq=events[0].seq,
        prev_hash=events[0].prev_hash,
        head_hash=events[-1].hash,
        events=[event_to_wire(e) for e in events],
        app_version="0.1.0",
    )
    payload = payload_of(request)
    with read(store.engine) as conn:
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(get_meta(conn)["signing_key"]))
    old = pack(store.identity.device_id, payload, key.sign(signed_part(store.identity.device_id, payload)))
    assert old.startswith(b"SUISHENBAN-SYNC 1\n") and not read_header(old).encrypted

    retired = dataclasses.replace(county.settings, min_app_version=ENCRYPTED_SINCE)
    refused = _refused(county, old, retired)
    assert refused.code == "plain_sync_file"
    assert f"未加密同步文件，县里已不再接收。请把柜台软件更新到 {ENCRYPTED_SINCE}" in refused.message
    assert _stored(county) == 0

    below = dataclasses.replace(county.settings, min_app_version="0.1.0")  # counters that wrote it still admitted
    assert _import(county, old, below)[0] == ["accepted"] * 2
    future = b"SUISHENBAN-SYNC 3\n" + old[len(b"SUISHENBAN-SYNC 1\n") :]
    assert "更新版本的柜台软件导出的" in _refused(county, future).message
    counter.close()
