-- Public verification reads a flat's register book on every request, and
-- only for whether the flat is mortgaged or sealed (store.unitRestrictions):
-- the index holds the columns registry.Standing decides these from, so the
-- book is read from one index page instead of a table row per entry. It
-- serves every lookup of a unit's entries in order, as the index it
-- replaces did.
CREATE INDEX register_entries_standing ON register_entries (unit_id, id, kind, reg_type, ends_entry, end_kind, waiting, term_end);
DROP INDEX register_entries_unit;
