"""Material images (材料影像) travel to the county beside the records: resumable, verified, records first."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import threading
import time

import pytest
import requests
from sqlalchemy import select

from bench.sync_net import LinkProxy
from county.models import EvidenceImage, LedgerEvent
from county.services.evidence_files import ImageStore
from county.services.evidence_s3 import image_store
from desktop.services.activation import activate, sync_client_for
from desktop.services.session import Counter
from desktop.settings import Settings
from desktop.store import evidence as evidence_store
from desktop.store.opening import open_store
from desktop.store.sync_port import StoreSyncPort
from sync.client import SyncClient
from sync.engine import SyncEngine
from sync.images import ImageUploader
from sync.ledger.evidence import image_hash
from tests.county.conftest import new_point
from tests.county.fault_proxy import FaultProxy
from tests.evidence_images import make_scan
from tests.factories import PASSWORD, make_case_draft

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)  # files, not SQL, are tested
BOTH_STORES = pytest.mark.parametrize("evidence_backend", ["folder", "s3"], indirect=True)  # folder | bucket


def _counter(county, tmp_path, catalogue, name="d"):
    setup = new_point(county)
    store = activate(county.base_url, setup["code"], tmp_path / name, PASSWORD).store
    return Counter(store, catalogue, Settings(tmp_path / name)), setup


def _case_with_images(counter, sizes: list[int], seed: int = 1, **photo):
    """A 个体工商户 case with one image per entry (noisier pages compress less: bigger images)."""
    from desktop.services.case_detail import load_detail
    from desktop.services.evidence import attach_bytes

    materials = {m.code: "received" for m in counter.catalogue.by_code("FL015").guide.materials}
    (recorded,) = counter.append(
        make_case_draft(counter.catalogue, item_code="FL015", amount=None, materials=materials)
    )
    detail = load_detail(counter, recorded.body["case_id"])
    codes = [m.code for m in detail.item.guide.materials]
    attached = []
    for k, width in enumerate(sizes):
        page = make_scan(seed=seed + k, width=width, height=width * 1414 // 1000, fmt="JPEG", **photo)
        attached.append(attach_bytes(counter, detail, codes[k % len(codes)], page))
    return detail, attached


def _stored(county, event_ids) -> dict[str, bytes]:
    folder = image_store(county.settings)
    with county.session() as session:
        rows = session.scalars(select(EvidenceImage).where(EvidenceImage.event_id.in_(event_ids))).all()
        return {row.event_id: folder.read(row.sha256, county.box) for row in rows if row.stored_at is not None}


def _push_events(counter) -> None:
    port = StoreSyncPort(counter.store)
    engine = SyncEngine(sync_client_for(counter.store), port, app_version="test")
    assert engine.run().ok and port.pending_count() == 0


@BOTH_STORES
def test_an_upload_cut_at_random_points_resumes_and_stores_the_right_bytes(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (image,) = _case_with_images(counter, [1000])
    _push_events(counter)
    token = sync_client_for(counter.store).device_token
    faults = ("drop_mid_body", "truncate", "error_500_after", "error_503_after", "captive_portal", "duplicate")
    with FaultProxy(county.base_url, fault_rate=0.5, seed=21, faults=faults) as proxy:
        uploader = ImageUploader(
            SyncClient(proxy.url, token, timeout=(5, 10)), evidence_store.StoreImagePort(counter.store), chunk=4096
        )
        runs = 0
        while evidence_store.unsent(counter.store) and runs < 500:
            uploader.run()
            runs += 1
    assert proxy.stats.by_fault.get("drop_mid_body") and proxy.stats.by_fault.get("truncate"), proxy.stats
    assert runs > 1  # it really was cut, and went on from where the county stood
    stored = _stored(county, [image.event_id])[image.event_id]
    assert (
        image_hash(stored)
        == image.body["sha256"]
        == hashlib.sha256(evidence_store.image_data(counter.store, image.seq)).hexdigest()
    )
    assert not list((tmp_path / "evidence" / "partial").rglob("*.part"))
    counter.close()


@BOTH_STORES
@pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill test forks the client (POSIX only)")
def test_killing_the_uploader_mid_image_resumes_from_the_county_s_length(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (image,) = _case_with_images(counter, [1000], seed=5)
    _push_events(counter)
    folder, unlocked = counter.store.layout.folder, counter.store._unlocked
    token = sync_client_for(counter.store).device_token
    counter.close()
    rng = random.Random(9)
    with LinkProxy(county.base_url, rate=30_000) as link:  # slow enough to be killed mid-image
        for _round in range(3):
            pid = os.fork()
            if pid == 0:
                try:
                    child, _ = open_store(folder, unlocked=unlocked)
                    ImageUploader(SyncClient(link.url, token), evidence_store.StoreImagePort(child), chunk=4096).run()
                finally:
                    os._exit(0)
            time.sleep(rng.uniform(0.2, 0.5))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        store, _ = open_store(folder, unlocked=unlocked)
        try:
            resumed_from = ImageStore(county.settings.evidence_dir).received(
                store.identity.device_id, image.body["sha256"]
            )
            assert 0 < resumed_from < image.body["size"]  # the killed runs got part of the way
            report = ImageUploader(SyncClient(link.url, token), evidence_store.StoreImagePort(store), chunk=4096).run()
            assert report.images_done == 1
            assert report.bytes_sent <= image.body["size"] - resumed_from + 4096  # it did not start again
            assert image_hash(_stored(county, [image.event_id])[image.event_id]) == image.body["sha256"]
        finally:
            store.close()


def _chunks_sent(link) -> int:
    return sum(1 for e in list(link.stats.exchanges) if e.path.startswith("/api/v1/evidence") and e.method == "PUT")


def test_records_keep_flowing_while_an_image_backlog_uploads_over_a_slow_link(county, tmp_path, catalogue):
    from desktop.services import syncing

    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, attached = _case_with_images(counter, [1240, 1240], seed=30, grain=2, noise=0.3)
    backlog = sum(image.body["size"] for image in attached)
    assert backlog >= 400_000, backlog
    # 2G carries ~5 KB/s; scaled ×50 here so the test takes seconds; the order of things is what is tested
    with LinkProxy(county.base_url, rate=250_000, rtt=0.05) as link:
        with counter.store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE meta SET value = ? WHERE key = 'server_url'", (link.url,))
        outcome: list = []
        thread = threading.Thread(target=lambda: outcome.append(syncing.run_sync(counter)))
        thread.start()
        while not any(e.path.startswith("/api/v1/evidence") and e.method == "PUT" for e in list(link.stats.exchanges)):
            time.sleep(0.01)
        (late,) = counter.append(make_case_draft(counter.catalogue))  # recorded while the images go
        chunks_before = _chunks_sent(link)
        while True:
            with county.session() as session:
                if session.scalar(select(LedgerEvent.id).where(LedgerEvent.event_id == late.event_id)):
                    break
            time.sleep(0.02)
        chunks_meanwhile = _chunks_sent(link) - chunks_before
        images_left = len(evidence_store.unsent(counter.store))
        thread.join(timeout=60)
    (done,) = outcome
    assert done.ok and done.images.images_done == 2
    assert images_left >= 1  # the record arrived while images were still on their way
    # it waited for the chunk on the wire (and perhaps the one after), not for the backlog: counted, not timed
    assert chunks_meanwhile <= 2, chunks_meanwhile
    assert set(_stored(county, [a.event_id for a in attached])) == {a.event_id for a in attached}
    counter.close()


def test_another_device_and_no_credential_cannot_touch_the_image(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (image,) = _case_with_images(counter, [600])
    _push_events(counter)
    other, _ = _counter(county, tmp_path, catalogue, name="other")
    sha = image.body["sha256"]
    url = f"{county.base_url}/api/v1/evidence/{sha}"
    assert requests.get(url, timeout=5).status_code == 401
    assert (
        requests.put(
            url, data=b"x", headers={"Content-Range": f"bytes 0-0/{image.body['size']}"}, timeout=5
        ).status_code
        == 401
    )
    stranger = SyncClient(county.base_url, sync_client_for(other.store).device_token)
    answer = requests.get(url, headers={"Authorization": f"Device {stranger.device_token}"}, timeout=5)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_image"
    counter.close()
    other.close()


@BOTH_STORES
def test_a_wrong_image_under_the_right_name_is_discarded_at_the_county(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (image,) = _case_with_images(counter, [600])
    _push_events(counter)
    client = sync_client_for(counter.store)
    size, sha = image.body["size"], image.body["sha256"]
    forged = os.urandom(size)
    answer = requests.put(
        f"{county.base_url}/api/v1/evidence/{sha}",
        data=forged,
        headers={"Authorization": f"Device {client.device_token}", "Content-Range": f"bytes 0-{size - 1}/{size}"},
        timeout=10,
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "image_mismatch"
    assert client.image_state(sha).received == 0 and not client.image_state(sha).complete
    assert _stored(county, [image.event_id]) == {}
    counter.close()


def test_the_sync_page_tells_how_far_the_images_are(county, tmp_path, catalogue, qtbot):
    from desktop.services import syncing
    from desktop.services.sync_view import images_line

    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, attached = _case_with_images(counter, [800, 800], seed=40)
    assert images_line(counter).startswith("还有 2 张待上传，已传 0 / ")
    seen: list[tuple[int, int]] = []
    outcome = syncing.run_sync(counter, image_progress=lambda sent, total: seen.append((sent, total)))
    assert outcome.ok and outcome.images.images_done == 2 and "上传 2 张材料影像" in syncing.summary(outcome)
    assert seen[0][1] == sum(a.body["size"] for a in attached)  # the whole backlog, in bytes
    assert any(0 < sent < total for sent, total in seen)  # and how far it had gone, while it went
    assert images_line(counter) == ""  # nothing left to tell
    counter.close()


def test_a_chunk_whose_connection_drops_mid_body_writes_nothing(county, tmp_path, catalogue):
    import socket
    from urllib.parse import urlsplit

    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (image,) = _case_with_images(counter, [600])
    _push_events(counter)
    client = sync_client_for(counter.store)
    sha, size = image.body["sha256"], image.body["size"]
    chunk = evidence_store.image_data(counter.store, image.seq)[:8192]
    target = urlsplit(county.base_url)
    with socket.create_connection((target.hostname, target.port), timeout=5) as raw:
        head = (
            f"PUT /api/v1/evidence/{sha} HTTP/1.1\r\nHost: x\r\nAuthorization: Device {client.device_token}\r\n"
            f"Content-Range: bytes 0-8191/{size}\r\nContent-Length: 8192\r\n\r\n"
        )
        raw.sendall(head.encode() + chunk[:3000])  # then the link goes
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline and client.image_state(sha).received == 0:
        time.sleep(0.05)  # give the county time to (wrongly) write what it got
    assert client.image_state(sha).received == 0
    assert client.put_image(sha, 0, chunk, size).received == 8192  # and the next try starts from 0
    counter.close()


def test_an_image_swapped_on_the_pc_is_never_sent_and_the_agent_is_told(county, tmp_path, catalogue):
    from sqlalchemy import update

    from desktop.services import syncing
    from desktop.store.engine import write
    from desktop.store.schema import evidence as evidence_table

    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (swapped, fine) = _case_with_images(counter, [500, 500], seed=50)
    stranger = evidence_store.image_data(counter.store, fine.seq)
    with write(counter.store.engine) as conn:
        conn.execute(update(evidence_table).where(evidence_table.c.event_seq == swapped.seq).values(data=stranger))
    outcome = syncing.run_sync(counter)
    assert outcome.ok and (outcome.images.images_done, outcome.images.damaged) == (1, 1)
    assert "1 张材料影像与台账里的记录对不上" in syncing.summary(outcome)
    assert set(_stored(county, [swapped.event_id, fine.event_id])) == {fine.event_id}
    counter.close()


@BOTH_STORES
def test_nothing_of_an_image_lies_in_clear_on_the_county_s_disk_even_half_uploaded(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (image,) = _case_with_images(counter, [600])
    _push_events(counter)
    client = sync_client_for(counter.store)
    data = evidence_store.image_data(counter.store, image.seq)
    sha, size = image.body["sha256"], image.body["size"]
    half = size // 2
    assert client.put_image(sha, 0, data[:half], size).received == half
    partial = ImageStore(county.settings.evidence_dir).partial(counter.store.identity.device_id, sha)
    with open(partial, "ab") as torn:  # a crash in the middle of writing the next record
        torn.write(b"\x00\x00\x10\x00" + b"half a record")
    assert client.image_state(sha).received == half  # the torn record counts for nothing
    on_disk = partial.read_bytes()
    assert data[:64] not in on_disk and data[half - 64 : half] not in on_disk
    assert client.put_image(sha, half, data[half:], size).complete
    stored = image_store(county.settings).sealed.get(sha)  # the sealed bytes, in the folder or the bucket
    assert data[:64] not in stored and image_hash(_stored(county, [image.event_id])[image.event_id]) == sha
    counter.close()
