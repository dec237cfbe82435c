-- A building's version (the 楼盘表's cache key, buildings.version) was one
-- counter bumped by every transaction that changed what the table shows:
-- on PostgreSQL, the contracts of one building filed at once (开盘) queued
-- on its row, each until the commit of the one before. The version is now
-- buildings.version plus the counters below: a transaction bumps one
-- counter of its building, chosen by its connection (PostgreSQL) — so
-- concurrent writers rarely share one — and every committed bump raises
-- the sum by one, whatever order the transactions commit in.
CREATE TABLE building_versions (
	building_id BIGINT NOT NULL REFERENCES buildings (id),
	shard       INTEGER NOT NULL,
	n           BIGINT NOT NULL,
	PRIMARY KEY (building_id, shard)
);
