-- Foundation: jurisdictions, organisations, users and roles, API tokens,
-- page sessions, the hash-chained audit trail, holiday notices, jobs.

CREATE TABLE jurisdictions (
	code       TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL CHECK (kind IN ('prefecture', 'county', 'park')),
	county     TEXT NOT NULL,
	cert_place TEXT NOT NULL,
	province   TEXT NOT NULL,
	region     TEXT NOT NULL,
	parent     TEXT REFERENCES jurisdictions (code)
);

CREATE TABLE organisations (
	id           {{ID}},
	name         TEXT NOT NULL,
	kind         TEXT NOT NULL,
	service      TEXT NOT NULL DEFAULT '',
	jurisdiction TEXT NOT NULL REFERENCES jurisdictions (code),
	uscc         TEXT,
	created_at   {{TIME}} NOT NULL
);
CREATE UNIQUE INDEX organisations_uscc ON organisations (uscc) WHERE uscc IS NOT NULL;
CREATE UNIQUE INDEX organisations_name ON organisations (jurisdiction, name);
CREATE INDEX organisations_kind ON organisations (kind, jurisdiction);

CREATE TABLE users (
	id            {{ID}},
	username      TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	org_id        BIGINT NOT NULL REFERENCES organisations (id),
	id_number     TEXT,
	phone         TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	disabled      BOOLEAN NOT NULL DEFAULT FALSE,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until  {{TIME}},
	created_at    {{TIME}} NOT NULL
);
CREATE UNIQUE INDEX users_id_number ON users (id_number) WHERE id_number IS NOT NULL;
CREATE INDEX users_org ON users (org_id);

CREATE TABLE user_roles (
	user_id BIGINT NOT NULL REFERENCES users (id),
	role    TEXT NOT NULL,
	PRIMARY KEY (user_id, role)
);

-- Tokens are stored as SM3 hashes; the token itself is shown once.
CREATE TABLE api_tokens (
	id         {{ID}},
	user_id    BIGINT NOT NULL REFERENCES users (id),
	name       TEXT NOT NULL,
	prefix     TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at {{TIME}} NOT NULL,
	revoked_at {{TIME}}
);

CREATE TABLE sessions (
	token  TEXT PRIMARY KEY,
	data   {{BLOB}} NOT NULL,
	expiry {{TIME}} NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

-- The audit trail: append-only (triggers per engine refuse UPDATE and
-- DELETE), hash-chained per lane; audit_heads holds each lane's last
-- sequence number and hash.
CREATE TABLE audit_events (
	id             {{ID}},
	lane           INTEGER NOT NULL,
	seq            BIGINT NOT NULL,
	at             {{TIME}} NOT NULL,
	actor_user     BIGINT NOT NULL,
	actor_name     TEXT NOT NULL,
	actor_org      BIGINT NOT NULL,
	actor_org_name TEXT NOT NULL,
	addr           TEXT NOT NULL,
	action         TEXT NOT NULL,
	record_type    TEXT NOT NULL,
	record_id      TEXT NOT NULL,
	summary        TEXT NOT NULL,
	prev_hash      {{BLOB}} NOT NULL,
	hash           {{BLOB}} NOT NULL,
	UNIQUE (lane, seq)
);
CREATE INDEX audit_events_record ON audit_events (record_type, record_id);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_actor ON audit_events (actor_user);
CREATE INDEX audit_events_action ON audit_events (action);

CREATE TABLE audit_heads (
	lane INTEGER PRIMARY KEY,
	seq  BIGINT NOT NULL,
	hash {{BLOB}} NOT NULL
);

-- Holiday notices, append-only: for each scope and year the newest applies.
CREATE TABLE calendar_notices (
	id        {{ID}},
	scope     TEXT NOT NULL,
	year      INTEGER NOT NULL,
	title     TEXT NOT NULL,
	body      TEXT NOT NULL,
	loaded_by BIGINT NOT NULL,
	loaded_at {{TIME}} NOT NULL
);
CREATE INDEX calendar_notices_scope ON calendar_notices (scope, year, id);

-- The worker's queue: plain rows claimed with a lease.
CREATE TABLE jobs (
	id          {{ID}},
	kind        TEXT NOT NULL,
	payload     TEXT NOT NULL DEFAULT '{}',
	run_at      {{TIME}} NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	leased_until {{TIME}},
	done_at     {{TIME}},
	last_error  TEXT NOT NULL DEFAULT '',
	dedupe_key  TEXT
);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL AND done_at IS NULL;
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL;
