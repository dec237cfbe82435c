-- Developers' credit records carry the points they deduct, where they came
-- from (the platform, or staff with evidence) and who recorded them; a
-- developer may appeal each record once.
ALTER TABLE credit_events ADD COLUMN points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credit_events ADD COLUMN source TEXT NOT NULL DEFAULT 'platform';
ALTER TABLE credit_events ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
ALTER TABLE credit_events ADD COLUMN recorded_by BIGINT NOT NULL DEFAULT 0;
UPDATE credit_events SET points = 5 WHERE kind = 'commitment_breach';
UPDATE credit_events SET points = 3 WHERE kind = 'acceptance_failed';

CREATE TABLE credit_appeals (
	id          {{ID}},
	event_id    BIGINT NOT NULL UNIQUE REFERENCES credit_events (id),
	reason      TEXT NOT NULL,
	filed_by    BIGINT NOT NULL,
	filed_at    {{TIME}} NOT NULL,
	decision    TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'upheld', 'granted')),
	note        TEXT NOT NULL DEFAULT '',
	decided_by  BIGINT NOT NULL DEFAULT 0,
	decided_at  {{TIME}}
);
CREATE INDEX credit_appeals_pending ON credit_appeals (decision);
