"""Material images in an S3-compatible bucket (影像对象存储), chosen by setting (``Settings.evidence_s3``).

The bucket holds exactly the sealed bytes the folder store would write (county/services/evidence_files.py), one
object per image under ``<prefix><sha[:2]>/<sha256>.img``; the provider never sees an image in clear. Partial
uploads stay in the county's local folder (``evidence_dir``) and only a whole, verified image is put, in one
request (an image is at most a few hundred KB, so no multipart upload). ``image_store`` is what upload
completion, the console's view and the retention purge use.
"""

from __future__ import annotations

import threading

from county.config import EvidenceS3, Settings
from county.services.evidence_files import ImageStore, StoreUnavailable

_CLIENTS: dict[EvidenceS3, object] = {}
_LOCK = threading.Lock()


def _client(config: EvidenceS3):
    """One boto3 client per bucket setting (clients are thread-safe and slow to make)."""
    with _LOCK:
        if config not in _CLIENTS:
            import boto3
            from botocore.config import Config

            _CLIENTS[config] = boto3.client(
                "s3",
                endpoint_url=config.endpoint_url or None,
                region_name=config.region,
                aws_access_key_id=config.access_key or None,
                aws_secret_access_key=config.secret_key or None,
                config=Config(
                    s3={"addressing_style": "path" if config.path_style else "virtual"},
                    connect_timeout=5,
                    read_timeout=30,
                    retries={"max_attempts": 3, "mode": "standard"},
                ),
            )
        return _CLIENTS[config]


class S3Store:
    """Sealed images as objects in a bucket; the same contract as the folder store (SealedStore)."""

    def __init__(self, config: EvidenceS3):
        self.config = config
        self.client = _client(config)

    def key(self, sha256: str) -> str:
        return f"{self.config.prefix}{sha256[:2]}/{sha256}.img"

    def _call(self, method: str, sha256: str, **extra):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.config.bucket, Key=self.key(sha256), **extra)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(self.key(sha256)) from None
            raise StoreUnavailable(f"s3 {method}: {code}") from None  # the code only: no keys or URLs logged
        except BotoCoreError as exc:
            raise StoreUnavailable(f"s3 {method}: {type(exc).__name__}") from None

    def has(self, sha256: str) -> bool:
        try:
            self._call("head_object", sha256)
        except FileNotFoundError:
            return False
        return True

    def put(self, sha256: str, sealed: bytes) -> None:
        self._call("put_object", sha256, Body=sealed, ContentType="application/octet-stream")

    def get(self, sha256: str) -> bytes:
        answer = self._call("get_object", sha256)
        try:
            return answer["Body"].read()
        except Exception as exc:  # the connection dropped mid-body
            raise StoreUnavailable(f"s3 get_object: {type(exc).__name__}") from None

    def delete(self, sha256: str) -> None:
        self._call("delete_object", sha256)  # deleting a missing object succeeds in S3


def image_store(settings: Settings) -> ImageStore:
    """The county's image store as set: partials in ``evidence_dir``; whole images there or in the bucket."""
    sealed = S3Store(settings.evidence_s3) if settings.evidence_s3 is not None else None
    return ImageStore(settings.evidence_dir, sealed)
