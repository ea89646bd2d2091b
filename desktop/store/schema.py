"""The ledger file's tables: the append-only event log, its outbox, and the projections derived from it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# Key/value facts about this store: device id, point code, device number, creation time.
meta = Table(
    "meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)

# The event log (事件日志): append-only, gap-free seq per device, hash-chained. Personal fields live in
# pii_json (and its salt) so they can be purged; the chain covers only pii_digests_json.
event = Table(
    "event",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("event_id", String(32), nullable=False, unique=True),
    Column("type", String, nullable=False),
    Column("occurred_at", String, nullable=False),
    Column("subject_id", String(32)),
    Column("body_json", Text, nullable=False),
    Column("pii_digests_json", Text, nullable=False),
    Column("pii_json", Text),
    Column("pii_salt", String),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("seq >= 1", name="seq_positive"),
)
Index("ix_event_subject", event.c.subject_id)

# The outbox (待同步): one row per event, written in the same transaction as the event.
outbox = Table(
    "outbox",
    metadata,
    Column("seq", Integer, ForeignKey("event.seq"), primary_key=True),
    Column("state", String, nullable=False, default="pending"),  # an OutboxState (sync.ledger.kinds)
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("updated_at", String),
    CheckConstraint("state IN ('pending','sent','acked','rejected')", name="outbox_state"),
)
Index("ix_outbox_state", outbox.c.state)

# Receipt serials (回执流水号): the next serial per business day on this device.
receipt_serial = Table(
    "receipt_serial",
    metadata,
    Column("business_date", String, primary_key=True),
    Column("last_serial", Integer, nullable=False),
)

# The county feed (县里下发): pulled items, kept so projections can be rebuilt in the original order.
county_item = Table(
    "county_item",
    metadata,
    Column("cursor", Integer, primary_key=True, autoincrement=False),
    Column("kind", String, nullable=False),
    Column("payload_json", Text, nullable=False),
    Column("created_at", String, nullable=False),
    Column("received_at", String, nullable=False),
    Column("applied_after_seq", Integer, nullable=False),
    Column("outcome", String, nullable=False),  # applied | stale | stored
    Column("note", Text),
)
Index("ix_county_item_kind", county_item.c.kind)

# The villager told (已通知群众): county status items (by cursor) the agent passed on; counter-local.
villager_told = Table(
    "villager_told",
    metadata,
    Column("cursor", Integer, primary_key=True, autoincrement=False),
    Column("case_id", String(32), nullable=False),
    Column("told_at", String, nullable=False),
)

# Material images (材料影像): the bytes of each image an evidence.attached event names by its SHA-256;
# kept (not a projection), encrypted with the rest of the file. sent_bytes: how far the county confirmed.
evidence = Table(
    "evidence",
    metadata,
    Column("event_seq", Integer, ForeignKey("event.seq"), primary_key=True),
    Column("case_id", String(32), nullable=False),
    Column("material", String, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("media_type", String, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("sent_bytes", Integer, nullable=False, default=0),
    Column("state", String, nullable=False, default="pending"),  # pending | uploaded | purged
    Column("updated_at", String),
    CheckConstraint("state IN ('pending','uploaded','purged')", name="evidence_state"),
)
Index("ix_evidence_case", evidence.c.case_id)
Index("ix_evidence_state", evidence.c.state)

# ---- projections: derived from the event log, rebuildable at any time ----

case = Table(
    "case_view",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("receipt_no", String, nullable=False, unique=True),
    Column("item_code", String, nullable=False),
    Column("flow", String, nullable=False),
    Column("points", Integer, nullable=False),
    Column("mode", String, nullable=False),
    Column("applicant_kind", String, nullable=False),
    Column("state", String, nullable=False),
    Column("business_date", String, nullable=False),
    Column("recorded_at", String, nullable=False),
    Column("completed_at", String),
    Column("voided_at", String),
    Column("void_reason", Text),
    Column("amount_fen", Integer),
    Column("village", String),
    Column("notes", Text),
    Column("materials_json", Text, nullable=False),
    Column("missing_count", Integer, nullable=False),
    Column("name", String),
    Column("id_number", String),
    Column("credit_code", String),
    Column("mobile", String),
    Column("id_last4", String(4)),
    Column("mobile_last4", String(4)),
    Column("county_note", Text),
    Column("first_seq", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("details_json", Text),  # the body's item-specific details (catalogue format 2), JSON
    Column("details_pii_json", Text),  # the item's personal values (充值号码、户号、参保人), JSON; purged
)
Index("ix_case_date", case.c.business_date)
Index("ix_case_state", case.c.state)
Index("ix_case_item", case.c.item_code)
Index("ix_case_id_last4", case.c.id_last4)
Index("ix_case_mobile_last4", case.c.mobile_last4)
Index("ix_case_name", case.c.name)

mailing = Table(
    "mailing_view",
    metadata,
    Column("mailing_id", String(32), primary_key=True),
    Column("direction", String, nullable=False),
    Column("unit_code", String),
    Column("contents", Text, nullable=False),
    Column("pieces", Integer, nullable=False),
    Column("case_ids_json", Text, nullable=False),
    Column("state", String, nullable=False),
    Column("tracking_no", String),
    Column("business_date", String, nullable=False),
    Column("recorded_at", String, nullable=False),
    Column("dispatched_at", String),
    Column("delivered_at", String),
    Column("recipient_name", String),
    Column("recipient_mobile", String),
    Column("recipient_address", Text),
    Column("last_seq", Integer, nullable=False),
    # 部门回寄 at the counter (0005): 已到代办点, then 已交群众 with who took it and the signed slip (领取单)
    Column("arrived_at", String),
    Column("handed_at", String),
    Column("handed_date", String),
    Column("receiver", String),
    Column("receiver_name", String),
    Column("signed", Boolean),
)
Index("ix_mailing_date", mailing.c.business_date)

day_total = Table(
    "day_total",
    metadata,
    Column("business_date", String, primary_key=True),
    Column("case_count", Integer, nullable=False, default=0),
    Column("voided_count", Integer, nullable=False, default=0),
    Column("mailing_count", Integer, nullable=False, default=0),
    Column("amount_fen_total", Integer, nullable=False, default=0),
    Column("points_estimate", Integer, nullable=False, default=0),
    Column("closed_at", String),
    Column("closed_seq", Integer),
)

PROJECTION_TABLES = (case, mailing, day_total)
