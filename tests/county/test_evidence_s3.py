"""The S3-compatible image store (影像对象存储): set from the environment, the same sealed bytes as the folder,
and a bucket out of reach loses nothing of an upload."""

from __future__ import annotations

import socket

import pytest
import requests

from county.config import ConfigError, EvidenceS3, Settings
from county.errors import CountyError
from county.services import evidence
from county.services.evidence_files import FolderStore, ImageStore
from county.services.evidence_s3 import S3Store, image_store
from desktop.services.activation import sync_client_for
from desktop.store import evidence as evidence_store
from sync.ledger.evidence import image_hash
from tests.county.test_evidence_upload import _case_with_images, _counter, _push_events

ON_SQLITE = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)  # files, not SQL, are tested


def test_the_bucket_is_set_from_the_environment_and_its_secret_never_printed():
    env = {
        "SUISHENBAN_COUNTY_EVIDENCE_S3_URL": "https://oss.county.example:9000",
        "SUISHENBAN_COUNTY_EVIDENCE_S3_BUCKET": "ssb-evidence",
        "SUISHENBAN_COUNTY_EVIDENCE_S3_ACCESS_KEY": "AKEXAMPLE",
        "SUISHENBAN_COUNTY_EVIDENCE_S3_SECRET_KEY": "s3cr3t-value",
    }
    config = EvidenceS3.from_env(env)
    assert (config.bucket, config.endpoint_url, config.prefix, config.path_style) == (
        "ssb-evidence",
        "https://oss.county.example:9000",
        "evidence/",
        True,
    )
    assert "s3cr3t-value" not in repr(Settings(evidence_s3=config)) and "AKEXAMPLE" not in repr(config)
    assert EvidenceS3.from_env({}) is None  # the folder store by default
    with pytest.raises(ConfigError, match="存储桶"):
        EvidenceS3.from_env({"SUISHENBAN_COUNTY_EVIDENCE_S3_URL": "https://oss.county.example"})
    with pytest.raises(ConfigError, match="http"):
        EvidenceS3.from_env({**env, "SUISHENBAN_COUNTY_EVIDENCE_S3_URL": "oss.county.example"})


@ON_SQLITE
@pytest.mark.parametrize("evidence_backend", ["s3"], indirect=True)
def test_the_bucket_holds_the_folder_store_s_sealed_bytes_so_moving_stores_is_a_copy(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (image,) = _case_with_images(counter, [600])
    _push_events(counter)
    client = sync_client_for(counter.store)
    data = evidence_store.image_data(counter.store, image.seq)
    sha = image.body["sha256"]
    assert client.put_image(sha, 0, data, len(data)).complete
    in_bucket = S3Store(county.settings.evidence_s3).get(sha)
    assert data[:64] not in in_bucket  # sealed, never in clear at the provider
    assert not list((tmp_path / "evidence").rglob("*.img"))  # whole images are not kept on the county's disk
    FolderStore(tmp_path / "copied").put(sha, in_bucket)  # an object copied into a folder as it is
    assert ImageStore(tmp_path / "copied").read(sha, county.box) == data
    counter.close()


@ON_SQLITE
@pytest.mark.parametrize("evidence_backend", ["s3"], indirect=True)
def test_a_bucket_out_of_reach_keeps_the_whole_upload_and_seals_it_when_back(county, tmp_path, catalogue):
    counter, _setup = _counter(county, tmp_path, catalogue)
    _detail, (image,) = _case_with_images(counter, [600])
    _push_events(counter)
    device = counter.store.identity.device_id
    data = evidence_store.image_data(counter.store, image.seq)
    sha, size = image.body["sha256"], image.body["size"]
    with socket.socket() as probe:  # a port nothing listens on: the bucket's server is down
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    down = image_store(
        Settings(
            evidence_dir=county.settings.evidence_dir,
            evidence_s3=EvidenceS3(
                bucket=county.settings.evidence_s3.bucket, endpoint_url=dead, access_key="testing", secret_key="testing"
            ),
        )
    )
    with county.session() as session, pytest.raises(CountyError) as refused:
        evidence.receive(session, device, sha, offset=0, total=size, data=data, folder=down, box=county.box)
    assert refused.value.code == "image_store_unavailable"
    assert down.received(device, sha) == size  # every byte kept, nothing to send again
    # the bucket is back: the device's next look at the upload seals it, through the endpoint
    answer = requests.get(
        f"{county.base_url}/api/v1/evidence/{sha}",
        headers={"Authorization": f"Device {sync_client_for(counter.store).device_token}"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json() == {"size": size, "received": size, "complete": True}
    assert image_hash(image_store(county.settings).read(sha, county.box)) == sha
    counter.close()
