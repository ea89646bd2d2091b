-- 0005 material images (材料影像): each image's bytes beside the event that attached it (evidence.attached,
-- which carries the SHA-256), inside the encrypted ledger file like everything else. Kept outside the
-- projections so a rebuild keeps it. sent_bytes is how far the county has confirmed receiving it; 'purged':
-- the bytes were erased after the retention time, once the county held them (the row and the hash stay).

CREATE TABLE evidence (
	event_seq INTEGER NOT NULL,
	case_id VARCHAR(32) NOT NULL,
	material VARCHAR NOT NULL,
	sha256 VARCHAR(64) NOT NULL,
	size INTEGER NOT NULL,
	media_type VARCHAR NOT NULL,
	data BLOB NOT NULL,
	sent_bytes INTEGER NOT NULL DEFAULT 0,
	state VARCHAR NOT NULL DEFAULT 'pending',
	updated_at VARCHAR,
	PRIMARY KEY (event_seq),
	FOREIGN KEY(event_seq) REFERENCES event (seq),
	CONSTRAINT evidence_state CHECK (state IN ('pending','uploaded','purged'))
);

CREATE INDEX ix_evidence_case ON evidence (case_id);

CREATE INDEX ix_evidence_state ON evidence (state);
