-- 交房预演 (docs/domain.md §5.12): a handover event's batch dry-run before
-- its day, nightly from some working days before it and on demand: every
-- check of the real batch in a transaction rolled back, nothing written but
-- this record. total is the flats the batch would take; problems are the
-- event-wide reasons the batch could not run at all (one per line); each
-- blocked flat (the others are ready) has a row of
-- handover_rehearsal_units with its reasons (one per line) and who must act
-- on each (owners, a JSON array in the reasons' order). Append-only: the
-- last rehearsal before a run is what the run's blocked flats are compared
-- with.
CREATE TABLE handover_rehearsals (
	id        {{ID}},
	event_id  BIGINT NOT NULL REFERENCES handover_events (id),
	run_at    {{TIME}} NOT NULL,
	run_by    BIGINT NOT NULL DEFAULT 0,
	total     INTEGER NOT NULL,
	problems  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX handover_rehearsals_event ON handover_rehearsals (event_id, id);
CREATE TABLE handover_rehearsal_units (
	rehearsal_id BIGINT NOT NULL REFERENCES handover_rehearsals (id),
	unit_id      BIGINT NOT NULL REFERENCES units (id),
	reasons      TEXT NOT NULL,
	owners       TEXT NOT NULL,
	PRIMARY KEY (rehearsal_id, unit_id)
);
