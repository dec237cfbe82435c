-- The register's transparency log (登记簿日志, internal/registerlog): every
-- register entry and audit event is a leaf, in the order the log took it
-- in; log_nodes keeps the hash of every perfect subtree the appends
-- computed (the proofs read them); log_checkpoints the signed checkpoints.
-- All append-only.
CREATE TABLE log_leaves (
	idx       BIGINT PRIMARY KEY,
	kind      TEXT NOT NULL,
	record_id BIGINT NOT NULL,
	hash      {{BLOB}} NOT NULL,
	UNIQUE (kind, record_id)
);
CREATE TABLE log_nodes (
	level INTEGER NOT NULL,
	idx   BIGINT NOT NULL,
	hash  {{BLOB}} NOT NULL,
	PRIMARY KEY (level, idx)
);
CREATE TABLE log_checkpoints (
	size      BIGINT PRIMARY KEY,
	root      {{BLOB}} NOT NULL,
	note      TEXT NOT NULL,
	key_id    BIGINT NOT NULL,
	signed_at {{TIME}} NOT NULL
);
-- Checkpoints a partner (a witness) reports having seen: what it holds
-- that the log must stay consistent with.
CREATE TABLE log_witnessed (
	id          {{ID}},
	witness     TEXT NOT NULL,
	size        BIGINT NOT NULL,
	root        {{BLOB}} NOT NULL,
	note        TEXT NOT NULL,
	reported_at {{TIME}} NOT NULL
);
CREATE INDEX log_witnessed_size ON log_witnessed (size);
