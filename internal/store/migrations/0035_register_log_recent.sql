-- The register log takes in every record of the last hour not yet in it,
-- whatever its id (a PostgreSQL transaction may commit a low id long after
-- higher ones): register entries are found by when they were recorded, as
-- audit events are by audit_events_at.
CREATE INDEX register_entries_recorded ON register_entries (recorded_at);
