"""The county's tables (ORM): organisation, devices, the received ledgers, cases, the pull feed, audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Township(Base):
    """乡镇."""

    __tablename__ = "township"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Point(Base):
    """代办点 (or a helper team, or a cooperating outlet): the unit that earns points."""

    __tablename__ = "point"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)  # the 4 digits on every receipt number
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # shop | team | outlet
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"))
    state: Mapped[str] = mapped_column(String(10), default="active")  # active | revoked
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Account(Base):
    """代办员账号: a person the county bureau opened an account for."""

    __tablename__ = "account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("point.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("point_id", "name", name="uq_account_point_name"),)


class ActivationCode(Base):
    """激活码: single use, expiring; only its hash is stored."""

    __tablename__ = "activation_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by_device: Mapped[str | None] = mapped_column(String(32))


class EnrolFailure(Base):
    """Failed activation attempts, for the throttle (county/services/throttle.py): hashes, never a code."""

    __tablename__ = "enrol_failure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client: Mapped[str] = mapped_column(String(64), index=True)  # the client address
    source: Mapped[str | None] = mapped_column(String(32), index=True)  # address + the install's signing key
    code_key: Mapped[str | None] = mapped_column(String(32), index=True)  # the normalised code tried
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Device(Base):
    """An enrolled counter PC or laptop: its credential hash and its chain head at the county."""

    __tablename__ = "device"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("point.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    device_no: Mapped[int] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64))
    signing_key: Mapped[str | None] = mapped_column(String(64))  # Ed25519 public key (hex), for sync files
    label: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(10), default="active")
    app_version: Mapped[str] = mapped_column(String(40), default="")
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    head_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
    tampered: Mapped[bool] = mapped_column(Boolean, default=False)
    clock_skew_seconds: Mapped[int | None] = mapped_column(Integer)  # device clock minus county clock, last batch
    clock_wrong: Mapped[bool] = mapped_column(Boolean, default=False)  # the last measured skew was beyond the limit
    __table_args__ = (UniqueConstraint("point_id", "device_no", name="uq_device_point_no"),)


class LedgerEvent(Base):
    """Every event a device pushed, in its chain, once: (device, seq) and event id are both unique."""

    __tablename__ = "ledger_event"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"))
    point_id: Mapped[int] = mapped_column(Integer, index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[str] = mapped_column(String(40))  # device time, as recorded
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # server time
    month: Mapped[str] = mapped_column(String(7))  # China-time month of occurred_at, for digests
    body: Mapped[dict] = mapped_column(JSON)
    pii: Mapped[dict | None] = mapped_column(JSON)  # only rows from before 0004 until `encrypt-pii`; never written
    pii_sealed: Mapped[str | None] = mapped_column(Text)  # the personal fields, AES-GCM (county/services/pii.py)
    id_lookup: Mapped[str | None] = mapped_column(String(64), index=True)  # HMAC of the applicant's ID
    pii_salt: Mapped[str | None] = mapped_column(String(32))
    pii_digests: Mapped[dict] = mapped_column(JSON)
    hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # accepted | rejected
    reject_code: Mapped[str | None] = mapped_column(String(40))
    reject_message: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_event_device_seq"),
        Index("ix_event_device_month", "device_id", "month"),
    )


class Case(Base):
    """The county's view of a case (办件), built from accepted events and department statuses."""

    __tablename__ = "case"
    case_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    point_id: Mapped[int] = mapped_column(Integer, index=True)
    device_id: Mapped[str] = mapped_column(String(32))
    receipt_no: Mapped[str] = mapped_column(String(24))
    item_code: Mapped[str] = mapped_column(String(10))
    flow: Mapped[str] = mapped_column(String(10))
    points: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(20))
    applicant_kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20))
    business_date: Mapped[str] = mapped_column(String(10))
    recorded_at: Mapped[str] = mapped_column(String(40))
    completed_at: Mapped[str | None] = mapped_column(String(40))
    completed_month: Mapped[str | None] = mapped_column(String(7))  # China-time month of completed_at (device time)
    # The county's clock decides (docs/points.md): when and in which month the completion earns its points;
    # both NULL for a completion that earns nothing (credit_flag says why).
    credited_at: Mapped[str | None] = mapped_column(String(40))
    credit_month: Mapped[str | None] = mapped_column(String(7))
    credit_flag: Mapped[str | None] = mapped_column(String(20))  # None | late | future | before_case | before_enrolment
    disqualified: Mapped[bool] = mapped_column(Boolean, default=False)  # 违规刷单: earns nothing
    disqualify_reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        UniqueConstraint("point_id", "receipt_no", name="uq_case_receipt"),
        Index("ix_case_point_credit_month", "point_id", "credit_month"),
        Index("ix_case_point_flag", "point_id", "credit_flag"),
        Index("ix_case_date_receipt", "business_date", "receipt_no"),  # the case list, newest first
        Index("ix_case_state_date", "state", "business_date", "receipt_no"),
        Index("ix_case_item_date", "item_code", "business_date", "receipt_no"),
    )


class Mailing(Base):
    """The county's view of a free mailing (免费寄递), for its lifecycle and the supervision pages."""

    __tablename__ = "mailing"
    mailing_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    point_id: Mapped[int] = mapped_column(Integer, index=True)
    direction: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    tracking_no: Mapped[str | None] = mapped_column(String(40))
    business_date: Mapped[str] = mapped_column(String(10))


class MonthExtension(Base):
    """The bureau keeps one point's month open longer than the 5th working day (延长入账), with a reason."""

    __tablename__ = "month_extension"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("point.id"))
    month: Mapped[str] = mapped_column(String(7))
    until_date: Mapped[str] = mapped_column(String(10))  # open through this day, China time
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("point_id", "month", name="uq_extension_point_month"),)


class SyncBatch(Base):
    """Every batch the county took in (a push or an imported sync file): when, and how far the device's clock was off."""

    __tablename__ = "sync_batch"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(32), index=True)
    point_id: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))  # push | file
    from_seq: Mapped[int] = mapped_column(BigInteger)
    event_count: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    device_time: Mapped[str | None] = mapped_column(String(40))  # the device's clock when it sent the batch
    skew_seconds: Mapped[int | None] = mapped_column(Integer)  # device_time minus received_at
    late: Mapped[int] = mapped_column(Integer, default=0)  # completions credited to the month received
    unpaid: Mapped[int] = mapped_column(Integer, default=0)  # completions kept but earning nothing


class CatalogueVersion(Base):
    """A catalogue version (事项清单) the bureau published after the ones shipped with the software."""

    __tablename__ = "catalogue_version"
    version: Mapped[str] = mapped_column(String(20), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CountyEvent(Base):
    """The pull feed: what the county tells devices (point_id NULL = every point). id is the cursor."""

    __tablename__ = "county_event"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    point_id: Mapped[int | None] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TamperFlag(Base):
    """A device whose history changed after the county acknowledged it (edited, deleted, restored)."""

    __tablename__ = "tamper_flag"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(32), index=True)
    point_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditLog(Base):
    """Every administrative action: who did what to what, and when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(120))
    detail: Mapped[dict] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    role: Mapped[str | None] = mapped_column(String(20))  # the console role of the staff account; NULL from the CLI
    ip: Mapped[str | None] = mapped_column(String(64))  # the console client's address


class StaffUser(Base):
    """A county staff account of the console (工作人员账号), with its role and the one place it is scoped to."""

    __tablename__ = "staff_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))  # county.services.staff.StaffRole
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"))  # township staff only
    unit_code: Mapped[str | None] = mapped_column(String(20))  # department staff only: a unit of 附件1
    password_hash: Mapped[str] = mapped_column(String(200))  # Argon2id
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_sealed: Mapped[str | None] = mapped_column(Text)  # the TOTP secret, sealed like personal fields
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(10), default="active")  # active | disabled
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StaffSession(Base):
    """A console sign-in, kept in the database so that any app instance serves it. The cookie holds the token;
    only its hash is stored."""

    __tablename__ = "staff_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(20))  # change_password | totp_setup | totp | ok
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """Failed console sign-ins, for the login throttle: a hash of the name tried and the client address."""

    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_key: Mapped[str] = mapped_column(String(32), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LookupFailure(Base):
    """Wrong check codes on the public case lookup (county/services/public_lookup.py): hashes, never a code."""

    __tablename__ = "lookup_failure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_key: Mapped[str] = mapped_column(String(32), index=True)  # a hash of the receipt number tried
    client: Mapped[str] = mapped_column(String(64), index=True)  # the client address
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
