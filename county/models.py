"""The county's tables (ORM): organisation, devices, the received ledgers, cases, the pull feed, audit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
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
    # the 专区 directory (代办点名录): what the public sees of a point; the phone only with the point's consent
    village: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(120), default="")
    hours: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    phone_public: Mapped[bool] = mapped_column(Boolean, default=False)  # the point agreed to publish its phone


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
    lookup_key: Mapped[int | None] = mapped_column(Integer)  # the look-up key's number (NULL: key 1)
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)  # the case a case event is about
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
    # an item the bureau does not offer in the point's township when the case arrived: kept, flagged for review
    not_offered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 材料已签收: when (China time, county clock) and by which staff account the department signed for the
    # parcel; the item's time limit (承诺时限, working days) runs from that day.
    materials_signed_at: Mapped[str | None] = mapped_column(String(40))
    materials_signed_by: Mapped[str | None] = mapped_column(String(60))
    # The data exchange's cursor (county/services/changes.py): stamped at commit, in commit order
    change_seq: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # The HMAC look-up hash of the applicant's ID (as LedgerEvent.id_lookup), for the fraud rules; never the ID
    id_lookup: Mapped[str | None] = mapped_column(String(64))
    form_seconds: Mapped[int | None] = mapped_column(Integer)  # how long the counter's form was open (newer counters)
    # 网上申报 the agent completed itself while no department had reported anything (受理/审批中): no evidence
    self_completed: Mapped[bool | None] = mapped_column(Boolean)
    __table_args__ = (
        UniqueConstraint("point_id", "receipt_no", name="uq_case_receipt"),
        Index("ix_case_applicant_item_date", "id_lookup", "item_code", "business_date"),
        Index("ix_case_device_recorded", "device_id", "recorded_at"),
        Index("ix_case_point_disqualified", "point_id", "disqualified"),
        Index("ix_case_point_credit_month", "point_id", "credit_month"),
        Index("ix_case_point_flag", "point_id", "credit_flag"),
        Index(
            "ix_case_date_receipt", "business_date", "receipt_no", "point_id", "item_code"
        ),  # the case list, in scope
        Index("ix_case_state_date", "state", "business_date", "receipt_no", "point_id", "item_code"),
        Index("ix_case_item_date", "item_code", "business_date", "receipt_no", "point_id"),
        # the statistics page's groupings read these indexes alone (0022_stats_aggregates)
        Index("ix_case_stats_recorded", "business_date", "state", "point_id", "item_code", "mode"),
        Index(
            "ix_case_stats_credited", "credit_month", "state", "disqualified", "point_id", "item_code", "mode", "points"
        ),
        Index("ix_case_flow_completed", "flow", "completed_month"),
    )


class StatsMonthPoint(Base):
    """统计汇总 by (month, point): kept by triggers (county/services/stats_aggregates.py), never written by code."""

    __tablename__ = "stats_month_point"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    point_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)  # recorded that month (business date), not voided
    points: Mapped[int] = mapped_column(Integer, default=0)  # credited to that month, not voided/disqualified
    mailings: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_stats_month_point_point", "point_id", "month"),)  # a township's points


class StatsMonthTownship(Base):
    """统计汇总 by (month, township): StatsMonthPoint summed by township, kept by triggers on it; ``capped`` is the
    sum of each point's month cut at the monthly cap."""

    __tablename__ = "stats_month_township"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    township_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0)
    capped: Mapped[int] = mapped_column(Integer, default=0)
    mailings: Mapped[int] = mapped_column(Integer, default=0)


class StatsMonthItem(Base):
    """统计汇总 by (month, township, item, service mode): the same cases and points as StatsMonthPoint."""

    __tablename__ = "stats_month_item"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    township_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0)


class StatsOpenCase(Base):
    """统计汇总: open non-payment cases by the day their time limit runs from ('' : approval not signed for)."""

    __tablename__ = "stats_open_case"
    township_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    flow: Mapped[str] = mapped_column(String(10), primary_key=True)
    start_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)


class StatsDoneDays(Base):
    """统计汇总: approval cases completed in a month (China date) by working days from signing to completion."""

    __tablename__ = "stats_done_days"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    township_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)


class WorkdayIndex(Base):
    """Each day numbered by the working days on or before it (the county's working-day table), for SQL."""

    __tablename__ = "workday_index"
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class EvidenceImage(Base):
    """A material image (材料影像) a device attached to a case: named by its ledger event, kept outside the database.

    The row is written when the evidence.attached event is accepted; the bytes arrive later, in chunks
    (``received``), and are stored sealed in the image store (county/services/evidence_files.py) once their
    SHA-256 matches the event's. ``purged_at``: removed after the retention period, like personal fields."""

    __tablename__ = "evidence_image"
    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(32))
    point_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    material: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(20))
    attached_at: Mapped[str] = mapped_column(String(40))  # device time of the event
    received: Mapped[int] = mapped_column(Integer, default=0)  # bytes received so far
    stored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # complete and verified
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_evidence_device_sha", "device_id", "sha256"),)


class Mailing(Base):
    """The county's view of a free mailing (免费寄递), for its lifecycle and the supervision pages."""

    __tablename__ = "mailing"
    mailing_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    point_id: Mapped[int] = mapped_column(Integer, index=True)
    direction: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    tracking_no: Mapped[str | None] = mapped_column(String(40))
    business_date: Mapped[str] = mapped_column(String(10))


class ReturnMailing(Base):
    """部门回寄: the licence or reply a department mailed back to the villager through the point."""

    __tablename__ = "return_mailing"
    mailing_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    point_id: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(20))
    tracking_no: Mapped[str] = mapped_column(String(40))
    contents: Mapped[str] = mapped_column(String(200))
    mailed_at: Mapped[str] = mapped_column(String(40))  # China time, county clock
    actor: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # At the counter (pushed events): 已到代办点, then 已交群众. The family member's name stays sealed in the
    # hand-over's ledger_event row (handed_event_id), like every personal field.
    arrived_at: Mapped[str | None] = mapped_column(String(40), nullable=True)  # device time
    handed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)  # device time
    handed_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    receiver: Mapped[str | None] = mapped_column(String(10), nullable=True)  # sync.ledger.kinds.Receiver
    handed_event_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    signed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


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
    # the case a case_status or return_mailing item is about (also in its payload): a case page finds its own
    case_id: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_county_event_point_kind", "point_id", "kind", "id"),  # a point's last statement
        Index("ix_county_event_case", "case_id", "id"),
    )


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
    # The audit chain (审计链, county/services/audit_chain.py): place, the previous row's hash, this row's hash
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


class AuditHead(Base):
    """The audit chain's head: one row, locked by every append, so two instances never fork the chain and a
    deleted tail is seen (the head names a row that is gone)."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class TownshipItemOff(Base):
    """An item of 附件1 the bureau does not offer in one township (乡镇事项目录); no row: offered."""

    __tablename__ = "township_item_off"
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(10), primary_key=True)


class Guide(Base):
    """An item's guide (办事指南) as the bureau or the item's department wrote it; until the department
    approves it, it is shown as a sample (示例)."""

    __tablename__ = "guide"
    item_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    materials: Mapped[list] = mapped_column(JSON)
    steps: Mapped[list | None] = mapped_column(JSON)  # the flowchart: [{who, what, time}]; None = the sample
    updated_by: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_by: Mapped[str | None] = mapped_column(String(60))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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


class PiiKey(Base):
    """A data key of the personal-data envelope (county/services/pii_keys.py): random, stored only wrapped by
    the master key, which never enters the database. ``seal`` keys encrypt personal fields, ``lookup`` keys
    make the ID look-up hashes; the highest number of each purpose is the one in use."""

    __tablename__ = "pii_key"
    purpose: Mapped[str] = mapped_column(String(10), primary_key=True)  # seal | lookup
    key_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    wrapped: Mapped[str] = mapped_column(Text)  # AES-GCM under a key derived from the master key
    master_id: Mapped[str] = mapped_column(String(16))  # which master key wrapped it (a fingerprint)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Consultation(Base):
    """A question (咨询) to the bureau or a department, to be answered within 2 working days (第十条).

    The asker holds a query code (查询码); only its hash is kept. A phone number left for a call back is sealed
    like every villager's personal data (county/services/pii.py, ``ref`` as associated data)."""

    __tablename__ = "consultation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)  # random; the sealed phone's associated data
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # county/services/consultations.py SOURCES
    question: Mapped[str] = mapped_column(Text)  # plain text, checked; never HTML
    item_code: Mapped[str | None] = mapped_column(String(16))
    unit_code: Mapped[str | None] = mapped_column(String(32), index=True)  # NULL: the bureau answers
    phone_sealed: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_date: Mapped[date] = mapped_column(Date)  # the working day the clock starts from
    due_date: Mapped[date | None] = mapped_column(Date, index=True)  # NULL: 时限待确认 (a year the table lacks)
    recorded_by: Mapped[str | None] = mapped_column(String(60))  # the staff account that typed it in
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    answered_by: Mapped[str | None] = mapped_column(String(60))
    answered_unit: Mapped[str | None] = mapped_column(String(32))  # who answered: a unit code, NULL the bureau
    # 代办点转来的咨询: the point and device that relayed it (``ref`` is then the counter's consult_id); NULL otherwise
    point_id: Mapped[int | None] = mapped_column(Integer, index=True)
    device_id: Mapped[str | None] = mapped_column(String(32))


class PublicAttempt(Base):
    """What the 专区's consultation forms count per client address: asks, wrong query codes, used challenges."""

    __tablename__ = "public_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # ask | read_miss | nonce
    client: Mapped[str] = mapped_column(String(64), index=True)
    key: Mapped[str | None] = mapped_column(String(64), index=True)  # a used challenge's nonce
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Settlement(Base):
    """季度结算: one version of one quarter's settlement (county/services/settlement.py, docs/settlement.md).

    A draft until the bureau publishes it; a published version never changes (its ``content_hash`` is over a
    canonical serialisation of its lines and clawbacks). A correction is a new version of the same quarter with
    a reason; it supersedes the published version once published itself. Money is kept as decimal text.
    """

    __tablename__ = "settlement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7))  # 2026-Q3
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))  # draft | published
    point_value: Mapped[str] = mapped_column(String(20))  # 元 of 扶贫产品 per point, decimal text
    reason: Mapped[str | None] = mapped_column(Text)  # a correction's reason; NULL for version 1
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(60))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("quarter", "version", name="uq_settlement_quarter_version"),)


class SettlementLine(Base):
    """One point in one settlement version: its months, points, value, clawbacks, what is paid and owed."""

    __tablename__ = "settlement_line"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlement.id"), index=True)
    point_id: Mapped[int] = mapped_column(Integer, index=True)  # the points statement reads a point's lines
    point_code: Mapped[str] = mapped_column(String(4))
    point_name: Mapped[str] = mapped_column(String(60))
    township_id: Mapped[int] = mapped_column(Integer, index=True)
    township_name: Mapped[str] = mapped_column(String(40))
    months: Mapped[dict] = mapped_column(JSON)  # {"2026-07": {"raw", "capped", "cases"}}
    points: Mapped[int] = mapped_column(Integer)  # the quarter's accounted points: the sum of capped months
    gross: Mapped[str] = mapped_column(String(20))  # points × value
    released: Mapped[str] = mapped_column(String(20))  # held in an earlier quarter, paid now
    clawback: Mapped[str] = mapped_column(String(20))  # 收回奖补 raised in this settlement
    owed_in: Mapped[str] = mapped_column(String(20))  # still owed from the last published quarter
    payout: Mapped[str] = mapped_column(String(20))  # handed out this quarter
    owed_out: Mapped[str] = mapped_column(String(20))  # not offset: the township recovers it, carried forward
    held_out: Mapped[str] = mapped_column(String(20))  # held back, carried forward
    hold_reason: Mapped[str | None] = mapped_column(Text)
    # a hold the bureau released for this run (解除暂缓): what held the point and why it was released
    hold_released: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("settlement_id", "point_id", name="uq_settlement_line_point"),)


class SettlementAward(Base):
    """What one case was credited in one settlement version: a later clawback takes back exactly this."""

    __tablename__ = "settlement_award"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlement.id"), index=True)
    point_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    month: Mapped[str] = mapped_column(String(7))
    points: Mapped[int] = mapped_column(Integer)


class SettlementClawback(Base):
    """收回奖补: one disqualified case paid in an earlier published quarter, taken back at that quarter's value."""

    __tablename__ = "settlement_clawback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlement.id"), index=True)
    point_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    receipt_no: Mapped[str] = mapped_column(String(24))
    paid_quarter: Mapped[str] = mapped_column(String(7))
    points: Mapped[int] = mapped_column(Integer)
    point_value: Mapped[str] = mapped_column(String(20))
    amount: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)


class SettlementRelease(Base):
    """解除暂缓: the bureau pays one point in one draft version although an open serious inspection finding or a
    pending fraud review would hold it, with a reason (county/services/settlement_release.py)."""

    __tablename__ = "settlement_release"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlement.id"), index=True)
    point_id: Mapped[int] = mapped_column(Integer)
    held_for: Mapped[str] = mapped_column(Text)  # the hold reasons released, as the draft showed them
    reason: Mapped[str] = mapped_column(Text)
    released_by: Mapped[str] = mapped_column(String(60))
    released_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("settlement_id", "point_id", name="uq_settlement_release_point"),)


class SettlementHandout(Base):
    """The township's record of handing one point its quarter's 扶贫产品 (date, who received it)."""

    __tablename__ = "settlement_handout"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("settlement_line.id"), unique=True)
    handed_on: Mapped[str] = mapped_column(String(10))  # China-time date, 2026-10-20
    receiver: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChangeCounter(Base):
    """The one row that hands out the data exchange's change sequence (county/services/changes.py)."""

    __tablename__ = "change_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class ApiClient(Base):
    """数据接口客户端: a department's system or the provincial platform reading cases and sending statuses back
    (county/services/api_clients.py). Only the hash of its token is kept."""

    __tablename__ = "api_client"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # department | province
    scope_kind: Mapped[str] = mapped_column(String(10))  # all | units | items
    scope_codes: Mapped[list] = mapped_column(JSON)  # unit codes or item codes of 附件1
    read_cases: Mapped[bool] = mapped_column(Boolean, default=True)
    read_pii: Mapped[bool] = mapped_column(Boolean, default=False)
    write_statuses: Mapped[bool] = mapped_column(Boolean, default=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(12))  # the token's first characters, to tell tokens apart
    state: Mapped[str] = mapped_column(String(10), default="active")  # active | revoked
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Webhook notifications (county/services/webhooks.py): where to POST, and the key that signs the body
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    # the signing secret sealed like personal fields (PiiBox.seal, associated data "webhook-<id>"); the clear
    # column is what versions before 0026 kept: sealed and emptied when a process opens the key ring
    webhook_secret_sealed: Mapped[str | None] = mapped_column(Text)
    webhook_secret: Mapped[str | None] = mapped_column(String(64))
    webhook_set_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RetiredToken(Base):
    """The hash of a token a rotation replaced: a call still made with it is logged with its client."""

    __tablename__ = "api_retired_token"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"), index=True)
    retired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookOutbox(Base):
    """One row per client with a webhook (通知发件箱): the notification still to send, many changes in one.

    ``change_seq`` is the newest change in the client's scope, ``changes`` how many since the last delivery.
    A worker claims a due row for ``LEASE`` seconds (``claimed_by``/``claimed_until``), so two workers never send
    it at once; the row survives restarts."""

    __tablename__ = "webhook_outbox"
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="idle")  # idle | pending | failed
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))


class WebhookDelivery(Base):
    """Every delivery attempt (通知记录): to whom, which change, the answer; never personal data."""

    __tablename__ = "webhook_delivery"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    change_seq: Mapped[int] = mapped_column(BigInteger)
    changes: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(10))  # sent | retry | failed
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))
    duration_ms: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ApiCall(Base):
    """Every call to the data exchange: who, which route, how many records, the answer; never personal data."""

    __tablename__ = "api_call"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    client_id: Mapped[int | None] = mapped_column(Integer, index=True)  # NULL: no valid token
    route: Mapped[str] = mapped_column(String(40))
    status: Mapped[int] = mapped_column(Integer)  # the HTTP status answered
    code: Mapped[str | None] = mapped_column(String(40))  # the refusal's code, if refused
    count: Mapped[int] = mapped_column(Integer, default=0)  # cases delivered or statuses received
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ExchangeStatus(Base):
    """A status a client sent, once per its own key (client_ref): what makes the status POST idempotent."""

    __tablename__ = "exchange_status"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"))
    client_ref: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(10))  # accepted | rejected
    code: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("client_id", "client_ref", name="uq_exchange_status_ref"),)


class Inspection(Base):
    """督查: the township's daily supervision (日常监管) or the bureau's periodic inspection of one point."""

    __tablename__ = "inspection"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("point.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # township | bureau
    inspected_on: Mapped[date] = mapped_column(Date)
    inspector: Mapped[str] = mapped_column(String(40))
    checklist: Mapped[dict] = mapped_column(JSON)  # check key → pass | fail | na
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InspectionFinding(Base):
    """A finding (问题) of an inspection: its severity, the required fix (整改) and its deadline, and when it was fixed."""

    __tablename__ = "inspection_finding"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    point_id: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(10))  # minor (一般) | serious (严重)
    description: Mapped[str] = mapped_column(Text)
    fix_required: Mapped[str] = mapped_column(Text)
    fix_days: Mapped[int] = mapped_column(Integer)  # working days allowed, in the county's table
    fix_due: Mapped[date] = mapped_column(Date)
    fixed_on: Mapped[date | None] = mapped_column(Date)
    fix_note: Mapped[str | None] = mapped_column(Text)
    fixed_by: Mapped[str | None] = mapped_column(String(60))
    __table_args__ = (Index("ix_inspection_finding_open", "point_id", "severity", "fixed_on"),)


class InspectionPhoto(Base):
    """A JPEG or PNG taken at an inspection, kept in the database (backed up and written with its inspection)."""

    __tablename__ = "inspection_photo"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PointRevocation(Base):
    """撤销 of a point (第十一条): the finding or written reason behind it, the clawback period, and its reinstatement."""

    __tablename__ = "point_revocation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("point.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_finding.id"))
    reason: Mapped[str] = mapped_column(Text)
    clawback_from: Mapped[date | None] = mapped_column(Date)  # cases completed from this day are disqualified
    revoked_by: Mapped[str] = mapped_column(String(60))
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reinstated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reinstated_by: Mapped[str | None] = mapped_column(String(60))
    reinstate_reason: Mapped[str | None] = mapped_column(Text)


class RevocationItem(Base):
    """One account, device or case a revocation cancelled; ``superseded`` once the bureau decides it on its own."""

    __tablename__ = "revocation_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revocation_id: Mapped[int] = mapped_column(ForeignKey("point_revocation.id"))
    kind: Mapped[str] = mapped_column(String(10))  # account | device | case
    ref: Mapped[str] = mapped_column(String(32))
    superseded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (
        UniqueConstraint("revocation_id", "kind", "ref", name="uq_revocation_item"),
        Index("ix_revocation_item_ref", "kind", "ref"),
    )


class PointApplication(Base):
    """申请: a new service unit asked for by a village (村), reviewed by its township (乡镇初审) and the bureau (县局审核).

    The applicant holds the application number and a check code (only its hash is kept). The agent's phone and ID
    number are sealed like every personal field (county/services/pii.py, ``apply-{ref}`` as associated data)."""

    __tablename__ = "point_application"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)  # SQ + China date + serial, e.g. SQ20261207001
    check_hash: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str] = mapped_column(String(32), unique=True)  # random; the sealed fields' associated data
    source: Mapped[str] = mapped_column(String(10))  # zhuanqu | paper
    kind: Mapped[str] = mapped_column(String(20))  # shop | team | outlet (admin.POINT_KINDS)
    shop_name: Mapped[str] = mapped_column(String(60))
    agent_name: Mapped[str] = mapped_column(String(40))
    agent_sealed: Mapped[str] = mapped_column(Text)  # {"mobile", "id_number"} sealed
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    village: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(16), index=True)  # county/services/applications.py STATES
    reason: Mapped[str | None] = mapped_column(String(300))  # the last return's or the rejection's reason
    point_id: Mapped[int | None] = mapped_column(ForeignKey("point.id"))  # the point its approval created
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApplicationStep(Base):
    """One step of an application: who did what, when, and why (the 专区 shows the steps without the names)."""

    __tablename__ = "application_step"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("point_application.id"), index=True)
    step: Mapped[str] = mapped_column(String(20))  # county/services/applications.py STEP_LABELS
    actor: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApplicationPhoto(Base):
    """A photo of the premises sent with an application: JPEG or PNG, size-limited, kept in the database."""

    __tablename__ = "application_photo"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("point_application.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(20))  # image/jpeg | image/png
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TrainingSession(Base):
    """培训: one training the bureau held for agents: the day, the place, the trainer."""

    __tablename__ = "training_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(120))
    trainer: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TrainingAttendance(Base):
    """One agent at one training: the agent of an application or of a point, by name."""

    __tablename__ = "training_attendance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    point_id: Mapped[int | None] = mapped_column(ForeignKey("point.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("point_application.id"), index=True)
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TrainingWaiver(Base):
    """The bureau's written reason to open an account for an agent not (yet) trained at a point."""

    __tablename__ = "training_waiver"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("point.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(300))
    granted_by: Mapped[str] = mapped_column(String(60))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FraudReview(Base):
    """复核事项: one point's fraud-rule hits waiting for a township or bureau reviewer (county/services/fraud_review.py).

    ``open`` holds the point's settlement; ``escalated`` (转交核查或撤销) holds it too until a final decision;
    ``cleared`` and ``disqualified`` are decided. Flags change no points; a disqualification does."""

    __tablename__ = "fraud_review"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(Integer, index=True)
    state: Mapped[str] = mapped_column(String(20))  # open | escalated | cleared | disqualified
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the last hit added
    escalated_to: Mapped[str | None] = mapped_column(String(20))  # inspection | revocation
    escalation_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(60))
    decision_note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_fraud_review_state", "state", "opened_at"),)


class FraudHit(Base):
    """命中: one rule found one pattern at one point (the cases it names); ``key`` makes a rerun find it again."""

    __tablename__ = "fraud_hit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("fraud_review.id"), index=True)
    point_id: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(30))  # county/services/fraud_rules.py RULES
    key: Mapped[str] = mapped_column(String(200))  # what the rule counted over, e.g. applicant+item+day
    figures: Mapped[dict] = mapped_column(JSON)  # the counts and the threshold, for the explanation
    case_ids: Mapped[list] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(10))  # ingest | scan
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_fraud_hit_point_rule_key", "point_id", "rule", "key"),)


class TeamMember(Base):
    """帮代办队伍成员: a member of a village-committee helper team, with an agent account of the team's own (trained
    like every agent) and the villages or groups the member visits at home."""

    __tablename__ = "team_member"
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("point.id"), index=True)
    covers: Mapped[str] = mapped_column(String(120))  # e.g. 一组、二组、三组
    added_by: Mapped[str] = mapped_column(String(60))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ActivityDay(Base):
    """活动日 of a cooperating outlet (合作网点): every given weekday, or one listed date, from ``starts`` to ``ends``."""

    __tablename__ = "activity_day"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("point.id"), index=True)
    weekday: Mapped[int | None] = mapped_column(Integer)  # 0 Monday … 6 Sunday; None for a listed date
    on_date: Mapped[date | None] = mapped_column(Date)
    starts: Mapped[str] = mapped_column(String(5))  # "09:00", China time
    ends: Mapped[str] = mapped_column(String(5))
    place: Mapped[str] = mapped_column(String(60), default="")  # e.g. 营业厅大堂
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
