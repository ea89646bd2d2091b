"""County endpoint settings, read from the environment once at start (never at import time)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class Limits:
    """What the endpoint accepts; advertised to devices at enrolment (docs/sync-protocol.md)."""

    max_batch_events: int = 500
    max_body_bytes: int = 1 * 1024 * 1024  # compressed request body
    max_uncompressed_bytes: int = 8 * 1024 * 1024
    max_pull_items: int = 500
    activation_ttl_hours: int = 72
    enrol_window_seconds: int = 600  # the activation-code throttle's window (county/services/throttle.py)
    enrol_failures_per_window: int = 10  # per attempt source: one client address and one install's signing key
    enrol_failures_per_address: int = 50  # per client address, whatever the key: many counters share a carrier NAT
    enrol_failures_per_code: int = 5  # the same code tried again and again, from any address
    enrol_alert_failures: int = 200  # county-wide in one window: an alert for the bureau, nobody locked out
    lookup_window_seconds: int = 900  # the public case lookup's throttle window (county/services/public_lookup.py)
    lookup_failures_per_receipt: int = 5  # wrong check codes for one receipt number, from anywhere
    lookup_failures_per_address: int = 20  # wrong check codes from one client address (carrier NAT: not too tight)
    consult_window_seconds: int = (
        3600  # the 专区 ask form's count per client address (county/services/consultations.py)
    )
    consult_asks_before_challenge: int = 3  # asks from one address in the window before the arithmetic challenge
    consult_asks_per_address: int = 30  # then none at all until the window moves on (carrier NAT: not too tight)
    consult_misses_per_address: int = 20  # wrong query codes from one address per lookup window
    challenge_ttl_seconds: int = 900  # a challenge must be answered within this
    apply_before_challenge: int = 1  # 专区 applications (申请) from one address per consult window before the challenge
    apply_per_address: int = 10  # then none until the window moves on
    max_sync_file_uncompressed: int = 32 * 1024 * 1024  # a sync file's batch, inflated only after its signature
    max_image_chunk_bytes: int = 256 * 1024  # one PUT of a material image (county/api/evidence.py)
    max_concurrent_pushes: int = 16  # beyond this, 503 with Retry-After
    # pushes one process works on at once; the others wait their turn (not refused). Fewer make the pages and pulls
    # of the same process wait behind fewer batches, but cost ingest its overlap of database round trips: at 1,
    # PostgreSQL ingested about a third as fast (docs/benchmarks.md), so by default every admitted push works
    working_pushes: int = 16
    retry_after_seconds: int = 5


class ConfigError(ValueError):
    """A setting the endpoint cannot start with; the message says in Chinese what to fix."""


def parse_proxies(text: str) -> tuple[str, ...]:
    """``SUISHENBAN_COUNTY_TRUSTED_PROXIES``: addresses or networks, separated by commas or spaces."""
    proxies = tuple(part for part in text.replace(",", " ").split() if part)
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError as exc:
            raise ConfigError(f"SUISHENBAN_COUNTY_TRUSTED_PROXIES 里的“{proxy[:40]}”不是 IP 地址或网段。") from exc
    return proxies


def read_pii_key(env: Mapping[str, str], name: str = "SUISHENBAN_COUNTY_PII_KEY") -> str:
    """The personal-data master key, hex: from ``SUISHENBAN_COUNTY_PII_KEY`` or the file
    ``SUISHENBAN_COUNTY_PII_KEY_FILE`` (``name`` = ``…_PII_KEY_PREVIOUS``: the one being replaced, docs/privacy.md)."""
    key = env.get(name, "").strip()
    path = env.get(f"{name}_FILE", "").strip()
    if not key and path:
        try:
            key = Path(path).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"读不了个人信息密钥文件 {path}（{type(exc).__name__}）。") from exc
    if key:
        try:
            if len(bytes.fromhex(key)) != 32:
                raise ValueError(key)
        except ValueError as exc:
            raise ConfigError("个人信息密钥应为 64 位十六进制数（32 字节），请检查。") from exc
    return key


def read_retention_days(environ) -> int:
    """``SUISHENBAN_COUNTY_PII_RETENTION_DAYS``: how long closed cases keep their personal fields (default 3 years)."""
    raw = environ.get("SUISHENBAN_COUNTY_PII_RETENTION_DAYS", "").strip()
    if not raw:
        return Settings.pii_retention_days
    if not raw.isdigit() or not 30 <= int(raw) <= 36500:
        raise ConfigError(f"个人信息保存天数应为 30 到 36500 之间的整数（收到的是 {raw[:20]}），请检查。")
    return int(raw)


def read_log_days(environ, name: str, default: int) -> int:
    """How long the data exchange's logs are kept (``SUISHENBAN_COUNTY_CALL_LOG_DAYS``,
    ``SUISHENBAN_COUNTY_WEBHOOK_LOG_DAYS``; county/services/log_retention.py)."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 7 <= int(raw) <= 36500:
        raise ConfigError(f"{name} 应为 7 到 36500 之间的整数（天数，收到的是 {raw[:20]}），请检查。")
    return int(raw)


@dataclass(frozen=True)
class EvidenceS3:
    """An S3-compatible bucket for material images (county/services/evidence_s3.py); credentials from the
    environment only, never in the repo. Empty credentials leave them to boto3's usual sources."""

    bucket: str
    endpoint_url: str = ""  # e.g. https://oss.county.example:9000; "" = the provider's default (AWS)
    region: str = "us-east-1"
    prefix: str = "evidence/"  # key prefix inside the bucket
    access_key: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    path_style: bool = True  # https://host/bucket/key, as MinIO and most private stores expect

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> EvidenceS3 | None:
        """``SUISHENBAN_COUNTY_EVIDENCE_S3_*``: None (the folder store) unless a bucket is named."""

        def get(name: str) -> str:
            return environ.get(f"SUISHENBAN_COUNTY_EVIDENCE_S3_{name}", "").strip()

        bucket, url = get("BUCKET"), get("URL")
        if not bucket:
            if url or get("ACCESS_KEY"):
                raise ConfigError(
                    "设置了影像对象存储的地址或密钥，但没有设置存储桶 SUISHENBAN_COUNTY_EVIDENCE_S3_BUCKET。"
                )
            return None
        if url and urlsplit(url).scheme not in ("http", "https"):
            raise ConfigError(f"影像对象存储的地址应以 http:// 或 https:// 开头（收到的是 {url[:40]}）。")
        addressing = get("ADDRESSING") or "path"
        if addressing not in ("path", "virtual"):
            raise ConfigError("SUISHENBAN_COUNTY_EVIDENCE_S3_ADDRESSING 只能是 path 或 virtual。")
        return cls(
            bucket=bucket,
            endpoint_url=url,
            region=get("REGION") or cls.region,
            prefix=get("PREFIX") if "SUISHENBAN_COUNTY_EVIDENCE_S3_PREFIX" in environ else cls.prefix,
            access_key=get("ACCESS_KEY"),
            secret_key=get("SECRET_KEY"),
            path_style=addressing == "path",
        )


@dataclass(frozen=True)
class ClockRules:
    """How far the county trusts a counter's clock (docs/points.md)."""

    tolerance_seconds: int = 600  # a completion later than the county's time plus this is in the future
    skew_flag_seconds: int = 600  # a batch whose device clock is off by more flags the device
    open_workdays: int = 5  # a month stays open until this working day of the next month
    check_enrolment: bool = True  # off only in the training sandbox, whose sample history predates enrolment


@dataclass(frozen=True)
class FraudRules:
    """The thresholds of the fraud rules (刷单, county/services/fraud_rules.py, docs/fraud-review.md).

    A rule hits when a point goes *beyond* its threshold; a hit opens a review item (复核) and changes no points.
    """

    enabled: bool = True  # off only to measure what the rules cost at ingest (bench/bench_fraud_ingest.py)
    same_applicant_day: int = 3  # one ID, one item, one point: more cases than this in one day
    same_applicant_month: int = 8  # … more than this in one month
    cross_point_points: int = 2  # one ID, one item: cases at more different points than this …
    cross_point_days: int = 7  # … within this many consecutive days (business dates) hit at every point involved
    burst_cases: int = 6  # one device: more cases recorded than this …
    burst_window_seconds: int = 300  # … within this many seconds
    brief_form_seconds: int = 20  # a case form open for less than this (the counter measures it) is brief …
    brief_forms_per_day: int = 5  # … and more brief forms than this on one device in one day hit
    self_completed: int = 30  # one point: more 网上申报 cases completed by the agent with no department status, a month
    voids_after_completion: int = 5  # one point: more completed cases voided than this in one month
    cap: int = 1000  # the monthly cap of 附件2 第六条
    cap_band: int = 30  # a month's points between cap − band and cap (just under it) …
    cap_months: int = 2  # … in at least this many months of the last three
    clock_jump_seconds: int = 3600  # a device's time running backwards, or off the county's, by more than this
    late_completions: int = 5  # one point: more completions than this late or dated impossibly in one month

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> FraudRules:
        """``SUISHENBAN_COUNTY_FRAUD_<NAME>`` overrides each threshold (whole numbers ≥ 1); ``…_ENABLED=0`` turns
        the rules off."""
        values: dict[str, object] = {}
        for item in fields(cls):
            raw = environ.get(f"SUISHENBAN_COUNTY_FRAUD_{item.name.upper()}", "").strip()
            if not raw:
                continue
            if item.name == "enabled":
                values["enabled"] = raw not in ("0", "false", "no")
            elif raw.isdigit() and 1 <= int(raw) <= 10_000_000:
                values[item.name] = int(raw)
            else:
                raise ConfigError(
                    f"SUISHENBAN_COUNTY_FRAUD_{item.name.upper()} 应为正整数（收到的是 {raw[:20]}），请检查。"
                )
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///county.db"
    limits: Limits = field(default_factory=Limits)
    qr_key: str = ""  # hex master secret for receipt check codes; from the environment, never in the repo
    query_url_base: str = ""  # the public 专区 query page printed on receipts, e.g. https://…/ssb/q
    min_app_version: str = ""  # the lowest counter version accepted (county/services/versions.py); "" = any
    update_url: str = ""  # where a counter PC gets the new installer, told to an outdated counter
    clock: ClockRules = field(default_factory=ClockRules)
    fraud: FraudRules = field(default_factory=FraudRules)
    trusted_proxies: tuple[str, ...] = ()  # addresses whose X-Forwarded-For is believed; none by default
    pii_key: str = ""  # hex key for personal fields at rest (county/services/pii.py); never in the repo
    pii_key_previous: str = ""  # the master key being replaced, only while rotating (docs/privacy.md)
    pii_retention_days: int = 1095  # personal fields of closed cases are purged this long after 登记 (docs/privacy.md)
    call_log_days: int = 90  # the data exchange's call log (api_call) is kept this long (log_retention.py)
    webhook_log_days: int = 30  # webhook attempts (webhook_delivery) once delivered, this long
    evidence_dir: str = "county-evidence"  # material images (材料影像), outside the database (evidence_files.py)
    evidence_s3: EvidenceS3 | None = None  # whole images in an S3-compatible bucket instead (partials stay in the dir)
    form_key: str = ""  # hex key signing the 专区's challenges (county/services/challenge.py); else made from pii_key

    def point_page_url(self, code: str) -> str | None:
        """A point's 专区 page, what its 标识牌 QR code opens: beside the query page (…/ssb/q → …/ssb/p/0001).
        None while the query page is not set."""
        parts = urlsplit(self.query_url_base.strip())
        folder = parts.path.rstrip("/").rpartition("/")[0]
        if not parts.scheme or not parts.netloc or not parts.path.strip("/"):
            return None
        return urlunsplit((parts.scheme, parts.netloc, f"{folder}/p/{code}", "", ""))

    @property
    def uvicorn_proxy_options(self) -> dict:
        """uvicorn's forwarded-header handling, following ``trusted_proxies`` (off when there are none:
        uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1)."""
        if not self.trusted_proxies:
            return {"proxy_headers": False}
        return {"proxy_headers": True, "forwarded_allow_ips": list(self.trusted_proxies)}

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        values = {
            "database_url": os.environ.get("SUISHENBAN_COUNTY_DB", cls.database_url),
            "qr_key": os.environ.get("SUISHENBAN_COUNTY_QR_KEY", ""),
            "query_url_base": os.environ.get("SUISHENBAN_COUNTY_QUERY_URL", ""),
            "min_app_version": os.environ.get("SUISHENBAN_COUNTY_MIN_APP_VERSION", ""),
            "update_url": os.environ.get("SUISHENBAN_COUNTY_UPDATE_URL", ""),
            "trusted_proxies": parse_proxies(os.environ.get("SUISHENBAN_COUNTY_TRUSTED_PROXIES", "")),
            "pii_key": read_pii_key(os.environ),
            "pii_key_previous": read_pii_key(os.environ, "SUISHENBAN_COUNTY_PII_KEY_PREVIOUS"),
            "pii_retention_days": read_retention_days(os.environ),
            "call_log_days": read_log_days(os.environ, "SUISHENBAN_COUNTY_CALL_LOG_DAYS", cls.call_log_days),
            "webhook_log_days": read_log_days(os.environ, "SUISHENBAN_COUNTY_WEBHOOK_LOG_DAYS", cls.webhook_log_days),
            "form_key": os.environ.get("SUISHENBAN_COUNTY_FORM_KEY", "").strip(),
            "fraud": FraudRules.from_env(os.environ),
            "evidence_dir": os.environ.get("SUISHENBAN_COUNTY_EVIDENCE_DIR", "").strip() or cls.evidence_dir,
            "evidence_s3": EvidenceS3.from_env(os.environ),
        }
        values.update(overrides)
        return cls(**values)

    def __post_init__(self) -> None:
        from county.services.versions import parse_minimum

        parse_minimum(self.min_app_version)  # refuses to start with a minimum that is not a version number
        try:
            if self.form_key and len(bytes.fromhex(self.form_key)) != 32:
                raise ValueError(self.form_key)
        except ValueError as exc:
            raise ConfigError("SUISHENBAN_COUNTY_FORM_KEY 应为 64 位十六进制数（32 字节），请检查。") from exc

    def challenge_key(self) -> bytes | None:
        """The key signing the 专区 forms' arithmetic challenges: ``form_key``, or one made from ``pii_key`` (a
        one-way hash with its own purpose, so it reveals nothing of that key); None when neither is set."""
        if self.form_key:
            return bytes.fromhex(self.form_key)
        if self.pii_key:
            import hashlib

            return hashlib.sha256(b"suishenban-county challenge 1|" + bytes.fromhex(self.pii_key)).digest()
        return None

    def point_check_key(self, point_code: str) -> str | None:
        """The point's receipt check-code key, derived from the master secret (None when not configured)."""
        if not self.qr_key:
            return None
        from sync.ledger.check_code import derive_point_key

        return derive_point_key(bytes.fromhex(self.qr_key), point_code).hex()
