-- Early warnings become an inbox: severity, state (open, acknowledged,
-- resolved), an assignee, where to act, how often the cause recurred; the
-- history of each alert is in alert_actions (append-only).
ALTER TABLE alerts ADD COLUMN severity TEXT NOT NULL DEFAULT 'warning';
ALTER TABLE alerts ADD COLUMN state TEXT NOT NULL DEFAULT 'open';
ALTER TABLE alerts ADD COLUMN assignee BIGINT NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN link TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN last_seen_at {{TIME}};
UPDATE alerts SET state = 'resolved' WHERE resolved_at IS NOT NULL;
CREATE INDEX alerts_inbox ON alerts (state, org_id);
CREATE INDEX alerts_jurisdiction ON alerts (jurisdiction, state);

CREATE TABLE alert_actions (
	id       {{ID}},
	alert_id BIGINT NOT NULL REFERENCES alerts (id),
	action   TEXT NOT NULL,
	by_user  BIGINT NOT NULL DEFAULT 0,
	by_name  TEXT NOT NULL DEFAULT '',
	note     TEXT NOT NULL DEFAULT '',
	assignee BIGINT NOT NULL DEFAULT 0,
	at       {{TIME}} NOT NULL
);
CREATE INDEX alert_actions_alert ON alert_actions (alert_id, id);

-- Refused attempts (a domain rule said no) on a unit or a project: the
-- evidence of repeated attempts to sell or register one unit, or to
-- withdraw presale funds without the node. Append-only.
CREATE TABLE refusals (
	id           {{ID}},
	action       TEXT NOT NULL,
	unit_id      BIGINT NOT NULL DEFAULT 0,
	project_id   BIGINT NOT NULL DEFAULT 0,
	jurisdiction TEXT NOT NULL DEFAULT '',
	org_id       BIGINT NOT NULL DEFAULT 0,
	user_id      BIGINT NOT NULL DEFAULT 0,
	code         TEXT NOT NULL,
	rules        TEXT NOT NULL DEFAULT '',
	detail       TEXT NOT NULL DEFAULT '',
	at           {{TIME}} NOT NULL
);
CREATE INDEX refusals_unit ON refusals (unit_id, at);
CREATE INDEX refusals_at ON refusals (at);
