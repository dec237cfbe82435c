-- register_entries_recorded (0035) serves the register log's look-back at
-- the last hour's entries, for the stragglers a PostgreSQL transaction can
-- commit below ids already taken in (VerifyLog's count of unlogged entries
-- reads nearly every entry and gains nothing from it). SQLite's one writer
-- commits in id order and the log no longer looks back there, so the index
-- only cost each entry an insert (a page of it in every filing's commit):
-- the .sqlite.sql part drops it.
SELECT 1;
