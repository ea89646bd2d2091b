"""A sync file (同步文件) carries the material images (材料影像) of the records it carries: a point without network
still gets its scans to the department, checked by hash at the county; the network later sends nothing again."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from county.api.app import create_app
from county.errors import CountyError
from county.services.evidence_s3 import image_store
from county.services.sync_file import import_file, open_payload
from desktop.services import syncing
from desktop.services.sync_file import export_pending
from desktop.store import evidence as evidence_store
from desktop.store.engine import read
from desktop.store.ledger import get_meta
from sync.syncfile import read_header, token_hash_of
from tests.county.test_evidence_upload import _case_with_images, _counter
from tests.county.web.conftest import make_staff, sign_in

pytestmark = [
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
    pytest.mark.parametrize("evidence_backend", ["folder", "s3"], indirect=True),
]


def _import(county, data: bytes) -> tuple[list[str], list[str]]:
    kept: list[str] = []
    with county.session() as session:
        result = import_file(session, data, max_events=20_000, settings=county.settings, actor="test", images_kept=kept)
        session.commit()
    return [r.status for r in result.results], kept


def test_an_image_exported_on_a_stick_is_seen_by_the_department(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    detail, (first, second) = _case_with_images(counter, [600, 500], seed=60)
    stick = tmp_path / "stick" / "瑶里村-同步.ssb"
    stick.parent.mkdir()
    exported = export_pending(counter.store, stick)
    assert (exported.records, exported.images) == (3, 2)  # the case, its two images' records, and the images
    assert "3 条待同步的记录和 2 张材料影像导出到" in exported.message(stick)

    statuses, kept = _import(county, stick.read_bytes())
    assert statuses == ["accepted"] * 3
    assert sorted(kept) == sorted([first.body["sha256"], second.body["sha256"]])

    make_staff(county, "scjg.clerk", "department", unit="scjg")
    client = TestClient(create_app(county.settings, county.engine), follow_redirects=False)
    assert sign_in(client, "scjg.clerk").status_code == 303
    case_id = detail.case_id
    page = client.get(f"/console/cases/{case_id}")
    assert f'src="/console/cases/{case_id}/evidence/{first.event_id}"' in page.text
    shown = client.get(f"/console/cases/{case_id}/evidence/{first.event_id}")
    assert shown.status_code == 200 and shown.content == evidence_store.image_data(counter.store, first.seq)

    # the point gets network again: the records are acknowledged, the images confirmed, no byte sent twice
    outcome = syncing.run_sync(counter)
    assert outcome.ok and outcome.images.images_done == 2 and outcome.images.bytes_sent == 0
    assert evidence_store.unsent(counter.store) == []
    assert _import(county, stick.read_bytes()) == (["duplicate"] * 3, kept)  # the stick again: nothing new
    counter.close()


def test_a_signed_file_whose_image_does_not_match_its_hash_is_refused_whole(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (image,) = _case_with_images(counter, [500], seed=61)
    stick = tmp_path / "f.ssb"
    export_pending(counter.store, stick)
    sha = image.body["sha256"].encode()
    with read(counter.store.engine) as conn:
        token = get_meta(conn)["device_token"]
    payload = bytearray(open_payload(read_header(stick.read_bytes()), token_hash_of(token)))
    at = payload.index(b"image " + sha)
    payload[-10] ^= 0xFF  # a byte of the image changed, by the device's own keys (a fault, not an attacker)
    assert at < len(payload) - 10
    from tests.county.test_sync_file import signed_file

    forged = signed_file(counter.store, bytes(payload))
    with pytest.raises(CountyError) as refused:
        _import(county, forged)
    assert refused.value.code == "bad_sync_file" and "校验值不一致" in refused.value.message
    assert not image_store(county.settings).has(image.body["sha256"])
    with county.session() as session:  # nothing half-written: not even the records
        from sqlalchemy import func, select

        from county.models import LedgerEvent

        assert session.scalar(select(func.count()).select_from(LedgerEvent)) == 0
    counter.close()


def test_images_that_do_not_fit_the_file_are_told_and_follow_later(county, tmp_path, catalogue, monkeypatch):
    import desktop.services.sync_file as exporting
    from sync.syncfile import image_section

    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (first, second) = _case_with_images(counter, [500, 500], seed=62)
    whole = export_pending(counter.store, tmp_path / "whole.ssb")
    assert (whole.records, whole.images, whole.images_left) == (3, 2, 0)
    room_for_one = (tmp_path / "whole.ssb").stat().st_size + 512 - image_section(second.body["sha256"], b"x" * 10)
    monkeypatch.setattr(exporting, "MAX_FILE_BYTES", room_for_one - second.body["size"] + 10)
    stick = tmp_path / "small.ssb"
    part = export_pending(counter.store, stick)
    assert (part.records, part.images, part.images_left) == (3, 1, 1)
    assert "还有 1 张材料影像放不下" in part.message(stick)
    _statuses, kept = _import(county, stick.read_bytes())
    assert kept == [first.body["sha256"]]  # the oldest went on the stick; the other follows by network
    outcome = syncing.run_sync(counter)
    assert outcome.ok and outcome.images.images_done == 2 and outcome.images.bytes_sent == second.body["size"]
    counter.close()


def test_the_county_command_keeps_the_images_in_the_store_its_settings_name(
    county, tmp_path, catalogue, capsys, monkeypatch
):
    from county import cli as county_cli

    monkeypatch.setenv("SUISHENBAN_COUNTY_PII_KEY", county.settings.pii_key)
    monkeypatch.setenv("SUISHENBAN_COUNTY_EVIDENCE_DIR", county.settings.evidence_dir)
    if (bucket := county.settings.evidence_s3) is not None:  # the bucket, named by the environment only
        monkeypatch.setenv("SUISHENBAN_COUNTY_EVIDENCE_S3_BUCKET", bucket.bucket)
        monkeypatch.setenv("SUISHENBAN_COUNTY_EVIDENCE_S3_URL", bucket.endpoint_url)
        monkeypatch.setenv("SUISHENBAN_COUNTY_EVIDENCE_S3_ACCESS_KEY", bucket.access_key)
        monkeypatch.setenv("SUISHENBAN_COUNTY_EVIDENCE_S3_SECRET_KEY", bucket.secret_key)
    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (image,) = _case_with_images(counter, [500], seed=63)
    stick = tmp_path / "cli.ssb"
    export_pending(counter.store, stick)
    assert county_cli.main(["--db", str(county.engine.url), "import", str(stick)]) == 0
    out = capsys.readouterr().out
    assert "新收到 2 条" in out and "收到材料影像 1 张" in out
    assert image_store(county.settings).read(image.body["sha256"], county.box) == evidence_store.image_data(
        counter.store, image.seq
    )
    counter.close()
