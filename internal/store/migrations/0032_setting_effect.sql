-- A setting's change takes effect from a date and says why (docs/domain.md
-- §5.16 and the settings page): effective_on is the first day (China time,
-- YYYY-MM-DD) the value is in force, reason what the administrator gave.
-- Rows written before this migration have '' and were in force from when
-- they were set; every later row has its date, which is never before the
-- day it was set, so ordering by effective_on, then id, still puts the
-- older rows first. The table stays append-only: a change is a new row.
ALTER TABLE settings ADD COLUMN effective_on TEXT NOT NULL DEFAULT '';
ALTER TABLE settings ADD COLUMN reason TEXT NOT NULL DEFAULT '';
