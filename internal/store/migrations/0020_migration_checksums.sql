-- Each applied migration's checksum (SHA-256 of the statements this
-- engine ran), so that a release whose migration files were edited after
-- they were applied is refused instead of serving a schema that differs
-- from the one its code expects. Migrations applied before this one get
-- the checksum of their file as it stands when it is first checked.
ALTER TABLE schema_migrations ADD COLUMN checksum TEXT NOT NULL DEFAULT '';
