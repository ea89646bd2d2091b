"""County endpoint settings, read from the environment once at start (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """What the endpoint accepts; advertised to devices at enrolment (docs/sync-protocol.md)."""

    max_batch_events: int = 500
    max_body_bytes: int = 1 * 1024 * 1024  # compressed request body
    max_uncompressed_bytes: int = 8 * 1024 * 1024
    max_pull_items: int = 500
    activation_ttl_hours: int = 72
    enrol_failures_per_window: int = 10  # per client address
    enrol_window_seconds: int = 600
    max_concurrent_pushes: int = 16  # beyond this, 503 with Retry-After
    retry_after_seconds: int = 5


@dataclass(frozen=True)
class ClockRules:
    """How far the county trusts a counter's clock (docs/points.md)."""

    tolerance_seconds: int = 600  # a completion later than the county's time plus this is in the future
    skew_flag_seconds: int = 600  # a batch whose device clock is off by more flags the device
    open_workdays: int = 5  # a month stays open until this working day of the next month
    check_enrolment: bool = True  # off only in the training sandbox, whose sample history predates enrolment


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///county.db"
    limits: Limits = field(default_factory=Limits)
    qr_key: str = ""  # hex master secret for receipt check codes; from the environment, never in the repo
    query_url_base: str = ""  # the public 专区 query page printed on receipts, e.g. https://…/ssb/q
    min_app_version: str = ""  # the lowest counter version accepted (county/services/versions.py); "" = any
    update_url: str = ""  # where a counter PC gets the new installer, told to an outdated counter
    clock: ClockRules = field(default_factory=ClockRules)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        values = {
            "database_url": os.environ.get("SUISHENBAN_COUNTY_DB", cls.database_url),
            "qr_key": os.environ.get("SUISHENBAN_COUNTY_QR_KEY", ""),
            "query_url_base": os.environ.get("SUISHENBAN_COUNTY_QUERY_URL", ""),
            "min_app_version": os.environ.get("SUISHENBAN_COUNTY_MIN_APP_VERSION", ""),
            "update_url": os.environ.get("SUISHENBAN_COUNTY_UPDATE_URL", ""),
        }
        values.update(overrides)
        return cls(**values)

    def __post_init__(self) -> None:
        from county.services.versions import parse_minimum

        parse_minimum(self.min_app_version)  # refuses to start with a minimum that is not a version number

    def point_check_key(self, point_code: str) -> str | None:
        """The point's receipt check-code key, derived from the master secret (None when not configured)."""
        if not self.qr_key:
            return None
        from sync.ledger.check_code import derive_point_key

        return derive_point_key(bytes.fromhex(self.qr_key), point_code).hex()
