-- 0001 initial: the event log, outbox, receipt serials and projections.

CREATE TABLE case_view (
	case_id VARCHAR(32) NOT NULL, 
	receipt_no VARCHAR NOT NULL, 
	item_code VARCHAR NOT NULL, 
	flow VARCHAR NOT NULL, 
	points INTEGER NOT NULL, 
	mode VARCHAR NOT NULL, 
	applicant_kind VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	business_date VARCHAR NOT NULL, 
	recorded_at VARCHAR NOT NULL, 
	completed_at VARCHAR, 
	voided_at VARCHAR, 
	void_reason TEXT, 
	amount_fen INTEGER, 
	village VARCHAR, 
	notes TEXT, 
	materials_json TEXT NOT NULL, 
	missing_count INTEGER NOT NULL, 
	name VARCHAR, 
	id_number VARCHAR, 
	credit_code VARCHAR, 
	mobile VARCHAR, 
	id_last4 VARCHAR(4), 
	mobile_last4 VARCHAR(4), 
	county_note TEXT, 
	first_seq INTEGER NOT NULL, 
	last_seq INTEGER NOT NULL, 
	PRIMARY KEY (case_id), 
	UNIQUE (receipt_no)
);
CREATE INDEX ix_case_date ON case_view (business_date);
CREATE INDEX ix_case_id_last4 ON case_view (id_last4);
CREATE INDEX ix_case_item ON case_view (item_code);
CREATE INDEX ix_case_mobile_last4 ON case_view (mobile_last4);
CREATE INDEX ix_case_name ON case_view (name);
CREATE INDEX ix_case_state ON case_view (state);

CREATE TABLE day_total (
	business_date VARCHAR NOT NULL, 
	case_count INTEGER NOT NULL, 
	voided_count INTEGER NOT NULL, 
	mailing_count INTEGER NOT NULL, 
	amount_fen_total INTEGER NOT NULL, 
	points_estimate INTEGER NOT NULL, 
	closed_at VARCHAR, 
	closed_seq INTEGER, 
	PRIMARY KEY (business_date)
);

CREATE TABLE event (
	seq INTEGER NOT NULL, 
	event_id VARCHAR(32) NOT NULL, 
	type VARCHAR NOT NULL, 
	occurred_at VARCHAR NOT NULL, 
	subject_id VARCHAR(32), 
	body_json TEXT NOT NULL, 
	pii_digests_json TEXT NOT NULL, 
	pii_json TEXT, 
	pii_salt VARCHAR, 
	prev_hash VARCHAR(64) NOT NULL, 
	hash VARCHAR(64) NOT NULL, 
	PRIMARY KEY (seq), 
	CONSTRAINT seq_positive CHECK (seq >= 1), 
	UNIQUE (event_id)
);
CREATE INDEX ix_event_subject ON event (subject_id);

CREATE TABLE mailing_view (
	mailing_id VARCHAR(32) NOT NULL, 
	direction VARCHAR NOT NULL, 
	unit_code VARCHAR, 
	contents TEXT NOT NULL, 
	pieces INTEGER NOT NULL, 
	case_ids_json TEXT NOT NULL, 
	state VARCHAR NOT NULL, 
	tracking_no VARCHAR, 
	business_date VARCHAR NOT NULL, 
	recorded_at VARCHAR NOT NULL, 
	dispatched_at VARCHAR, 
	delivered_at VARCHAR, 
	recipient_name VARCHAR, 
	recipient_mobile VARCHAR, 
	recipient_address TEXT, 
	last_seq INTEGER NOT NULL, 
	PRIMARY KEY (mailing_id)
);
CREATE INDEX ix_mailing_date ON mailing_view (business_date);

CREATE TABLE meta (
	"key" VARCHAR NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE receipt_serial (
	business_date VARCHAR NOT NULL, 
	last_serial INTEGER NOT NULL, 
	PRIMARY KEY (business_date)
);

CREATE TABLE outbox (
	seq INTEGER NOT NULL, 
	state VARCHAR NOT NULL, 
	attempts INTEGER NOT NULL, 
	last_error TEXT, 
	updated_at VARCHAR, 
	PRIMARY KEY (seq), 
	CONSTRAINT outbox_state CHECK (state IN ('pending','sent','acked','rejected')), 
	FOREIGN KEY(seq) REFERENCES event (seq)
);
CREATE INDEX ix_outbox_state ON outbox (state);
-- The event log is append-only: no deletes, and no updates except purging personal fields to NULL.
CREATE TRIGGER event_no_delete BEFORE DELETE ON event
BEGIN SELECT RAISE(ABORT, 'event log is append-only'); END;

CREATE TRIGGER event_no_update BEFORE UPDATE ON event
WHEN NEW.seq IS NOT OLD.seq OR NEW.event_id IS NOT OLD.event_id OR NEW.type IS NOT OLD.type
  OR NEW.occurred_at IS NOT OLD.occurred_at OR NEW.subject_id IS NOT OLD.subject_id
  OR NEW.body_json IS NOT OLD.body_json OR NEW.pii_digests_json IS NOT OLD.pii_digests_json
  OR NEW.prev_hash IS NOT OLD.prev_hash OR NEW.hash IS NOT OLD.hash
  OR (NEW.pii_json IS NOT NULL AND NEW.pii_json IS NOT OLD.pii_json)
  OR (NEW.pii_salt IS NOT NULL AND NEW.pii_salt IS NOT OLD.pii_salt)
BEGIN SELECT RAISE(ABORT, 'event log is append-only'); END;
