-- register_entries_recorded (0035) serves one query: the register log's
-- look-back at the last hour's entries, for the stragglers a PostgreSQL
-- transaction can commit below ids already taken in. SQLite's one writer
-- commits in id order and the log no longer looks back there, so the index
-- only cost each entry an insert (a page of it in every filing's commit):
-- the .sqlite.sql part drops it.
SELECT 1;
