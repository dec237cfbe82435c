-- When a pair of account and address last failed, so that the counts of
-- addresses that stopped failing a day ago are purged (retention.purge):
-- a flood from many addresses leaves no row behind for long.
ALTER TABLE login_sources ADD COLUMN last_failed_at {{TIME}};
