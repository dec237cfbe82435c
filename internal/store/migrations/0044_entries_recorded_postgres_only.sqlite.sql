DROP INDEX register_entries_recorded;
