-- The readiness view reads a project's ownership entries and seals (and
-- the entries ending seals) by kind.
CREATE INDEX register_entries_kind ON register_entries (kind, unit_id);
