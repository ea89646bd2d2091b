-- 0004 telling the villager (通知群众): the county statuses (退回, 办结) the agent has passed on to the
-- villager. Counter-local: one row per county status item (its cursor), kept outside the projections so
-- a rebuild keeps it; the county is not told (see docs/counter-app.md).

CREATE TABLE villager_told (
	cursor INTEGER NOT NULL,
	case_id VARCHAR(32) NOT NULL,
	told_at VARCHAR NOT NULL,
	PRIMARY KEY (cursor)
);
