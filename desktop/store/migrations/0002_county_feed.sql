-- 0002 county feed: what the device pulled from the county (case statuses, notices, catalogue, ...).
-- applied_after_seq records where in the device's own log the item was folded in, so a rebuild of the
-- projections replays device events and county items in exactly the order they were first applied.

CREATE TABLE county_item (
	cursor INTEGER NOT NULL,
	kind VARCHAR NOT NULL,
	payload_json TEXT NOT NULL,
	created_at VARCHAR NOT NULL,
	received_at VARCHAR NOT NULL,
	applied_after_seq INTEGER NOT NULL,
	outcome VARCHAR NOT NULL,
	note TEXT,
	PRIMARY KEY (cursor)
);
CREATE INDEX ix_county_item_kind ON county_item (kind);
