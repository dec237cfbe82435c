-- On SQLite a BIGINT PRIMARY KEY is an index beside the table's rowid, not
-- the rowid itself: log_leaves kept three B-trees (its rows, idx, and
-- (kind, record_id)) and log_nodes two, and the minute job writes every
-- leaf and node into each of them while it holds the writer. Rebuilt with
-- log_leaves' idx as its rowid and log_nodes keyed by (level, idx) alone:
-- the same rows, two B-trees and one. DROP TABLE fires no DELETE trigger;
-- the append-only triggers are made again on the new tables.
CREATE TABLE log_leaves_rowid (
	idx       INTEGER PRIMARY KEY,
	kind      TEXT NOT NULL,
	record_id BIGINT NOT NULL,
	hash      BLOB NOT NULL,
	UNIQUE (kind, record_id)
);
INSERT INTO log_leaves_rowid (idx, kind, record_id, hash) SELECT idx, kind, record_id, hash FROM log_leaves ORDER BY idx;
DROP TABLE log_leaves;
ALTER TABLE log_leaves_rowid RENAME TO log_leaves;
CREATE TRIGGER log_leaves_append_only BEFORE UPDATE ON log_leaves BEGIN SELECT RAISE(ABORT, 'log_leaves is append-only'); END;
CREATE TRIGGER log_leaves_no_delete BEFORE DELETE ON log_leaves BEGIN SELECT RAISE(ABORT, 'log_leaves is append-only'); END;

CREATE TABLE log_nodes_keyed (
	level INTEGER NOT NULL,
	idx   BIGINT NOT NULL,
	hash  BLOB NOT NULL,
	PRIMARY KEY (level, idx)
) WITHOUT ROWID;
INSERT INTO log_nodes_keyed (level, idx, hash) SELECT level, idx, hash FROM log_nodes ORDER BY level, idx;
DROP TABLE log_nodes;
ALTER TABLE log_nodes_keyed RENAME TO log_nodes;
CREATE TRIGGER log_nodes_append_only BEFORE UPDATE ON log_nodes BEGIN SELECT RAISE(ABORT, 'log_nodes is append-only'); END;
CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes BEGIN SELECT RAISE(ABORT, 'log_nodes is append-only'); END;
