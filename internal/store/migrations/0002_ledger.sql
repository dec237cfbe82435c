-- The unit ledger (楼盘表), presale permits, the restriction list and
-- per-jurisdiction settings. Areas are hundredths of a square metre and
-- money is fen, as BIGINT; ratios are decimal TEXT; dates are TEXT.

-- Settings per jurisdiction, append-only: the newest row of a key applies.
CREATE TABLE settings (
	id           {{ID}},
	jurisdiction TEXT NOT NULL,
	key          TEXT NOT NULL,
	value        TEXT NOT NULL,
	set_by       BIGINT NOT NULL,
	set_at       {{TIME}} NOT NULL
);
CREATE INDEX settings_key ON settings (jurisdiction, key, id);

-- Numbering series (permit numbers, certificate numbers): never reused.
CREATE TABLE sequences (
	name  TEXT PRIMARY KEY,
	value BIGINT NOT NULL
);

CREATE TABLE projects (
	id               {{ID}},
	name             TEXT NOT NULL,
	developer_org    BIGINT NOT NULL REFERENCES organisations (id),
	jurisdiction     TEXT NOT NULL REFERENCES jurisdictions (code),
	address          TEXT NOT NULL,
	planned_delivery TEXT,
	total_investment BIGINT NOT NULL DEFAULT 0,
	invested         BIGINT NOT NULL DEFAULT 0,
	reform           BOOLEAN NOT NULL DEFAULT TRUE,
	created_at       {{TIME}} NOT NULL,
	updated_at       {{TIME}} NOT NULL
);
CREATE UNIQUE INDEX projects_name ON projects (developer_org, name);
CREATE INDEX projects_jurisdiction ON projects (jurisdiction);

CREATE TABLE parcels (
	code           TEXT PRIMARY KEY,
	project_id     BIGINT NOT NULL REFERENCES projects (id),
	area           BIGINT NOT NULL,
	land_use       TEXT NOT NULL,
	right_nature   TEXT NOT NULL,
	term_start     TEXT NOT NULL,
	term_end       TEXT NOT NULL,
	grant_contract TEXT NOT NULL,
	premium_due    BIGINT NOT NULL,
	premium_paid   BIGINT NOT NULL,
	land_cert_no   TEXT NOT NULL DEFAULT '',
	land_cert_on   TEXT
);
CREATE INDEX parcels_project ON parcels (project_id);

CREATE TABLE project_permits (
	id           {{ID}},
	project_id   BIGINT NOT NULL REFERENCES projects (id),
	kind         TEXT NOT NULL CHECK (kind IN ('planning', 'construction')),
	number       TEXT NOT NULL,
	issued_on    TEXT NOT NULL,
	issuer       TEXT NOT NULL,
	scope        TEXT NOT NULL,
	confirmed_by BIGINT,
	confirmed_at {{TIME}},
	UNIQUE (project_id, kind, number)
);

CREATE TABLE buildings (
	id           {{ID}},
	project_id   BIGINT NOT NULL REFERENCES projects (id),
	parcel_code  TEXT NOT NULL REFERENCES parcels (code),
	number       INTEGER NOT NULL,
	name         TEXT NOT NULL,
	structure    TEXT NOT NULL,
	floors_above INTEGER NOT NULL,
	floors_below INTEGER NOT NULL,
	planned_use  TEXT NOT NULL,
	-- version counts changes to what the 楼盘表 of the building shows (unit
	-- states, areas, permits, locks …); readers cache by it.
	version      BIGINT NOT NULL DEFAULT 0,
	UNIQUE (parcel_code, number)
);
CREATE INDEX buildings_project ON buildings (project_id);

CREATE TABLE floors (
	building_id BIGINT NOT NULL REFERENCES buildings (id),
	actual      INTEGER NOT NULL,
	named       TEXT NOT NULL,
	PRIMARY KEY (building_id, actual)
);

CREATE TABLE units (
	id          {{ID}},
	building_id BIGINT NOT NULL REFERENCES buildings (id),
	number      INTEGER NOT NULL,
	unit_no     TEXT NOT NULL UNIQUE,
	room        TEXT NOT NULL,
	section     TEXT NOT NULL DEFAULT '',
	floor       INTEGER NOT NULL,
	purpose     TEXT NOT NULL,
	f_total     BIGINT NOT NULL,
	f_inner     BIGINT NOT NULL,
	f_shared    BIGINT NOT NULL,
	f_ratio     TEXT NOT NULL,
	m_total     BIGINT NOT NULL DEFAULT 0,
	m_inner     BIGINT NOT NULL DEFAULT 0,
	m_shared    BIGINT NOT NULL DEFAULT 0,
	m_ratio     TEXT NOT NULL DEFAULT '0',
	UNIQUE (building_id, number),
	UNIQUE (building_id, room)
);

-- Unit locks (单元锁定) by staff: append-only; the newest row of a unit applies.
CREATE TABLE unit_locks (
	id      {{ID}},
	unit_id BIGINT NOT NULL REFERENCES units (id),
	locked  BOOLEAN NOT NULL,
	reason  TEXT NOT NULL,
	by_user BIGINT NOT NULL,
	at      {{TIME}} NOT NULL
);
CREATE INDEX unit_locks_unit ON unit_locks (unit_id, id);

-- Every import attempt, kept: who, which file (SM3), what it did or why not.
CREATE TABLE ledger_imports (
	id         {{ID}},
	project_id BIGINT NOT NULL REFERENCES projects (id),
	file_name  TEXT NOT NULL,
	file_sm3   TEXT NOT NULL,
	ok         BOOLEAN NOT NULL,
	summary    TEXT NOT NULL,
	errors     TEXT NOT NULL DEFAULT '[]',
	annotated  {{BLOB}},
	by_user    BIGINT NOT NULL,
	at         {{TIME}} NOT NULL
);
CREATE INDEX ledger_imports_project ON ledger_imports (project_id, id);

CREATE TABLE presale_applications (
	id           {{ID}},
	project_id   BIGINT NOT NULL REFERENCES projects (id),
	buildings    TEXT NOT NULL,
	note         TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL CHECK (state IN ('submitted', 'issued', 'refused', 'withdrawn')),
	submitted_by BIGINT NOT NULL,
	submitted_at {{TIME}} NOT NULL,
	decided_by   BIGINT,
	decided_at   {{TIME}},
	decision     TEXT NOT NULL DEFAULT '',
	permit_id    BIGINT
);
CREATE INDEX presale_applications_project ON presale_applications (project_id);

CREATE TABLE presale_permits (
	id           {{ID}},
	number       TEXT NOT NULL UNIQUE,
	project_id   BIGINT NOT NULL REFERENCES projects (id),
	jurisdiction TEXT NOT NULL,
	issued_on    TEXT NOT NULL,
	units        INTEGER NOT NULL,
	area         BIGINT NOT NULL,
	extra_review TEXT NOT NULL DEFAULT '',
	created_at   {{TIME}} NOT NULL
);
CREATE INDEX presale_permits_project ON presale_permits (project_id);

CREATE TABLE presale_permit_buildings (
	permit_id   BIGINT NOT NULL REFERENCES presale_permits (id),
	building_id BIGINT NOT NULL REFERENCES buildings (id),
	PRIMARY KEY (permit_id, building_id)
);
CREATE INDEX presale_permit_buildings_building ON presale_permit_buildings (building_id);

-- A permit's history, append-only: its state is the newest event's.
CREATE TABLE presale_permit_events (
	id        {{ID}},
	permit_id BIGINT NOT NULL REFERENCES presale_permits (id),
	kind      TEXT NOT NULL,
	reason    TEXT NOT NULL DEFAULT '',
	by_user   BIGINT NOT NULL,
	at        {{TIME}} NOT NULL
);
CREATE INDEX presale_permit_events_permit ON presale_permit_events (permit_id, id);

-- The restriction list (限制清单), append-only: the newest row of a developer applies.
CREATE TABLE credit_listings (
	id            {{ID}},
	developer_org BIGINT NOT NULL REFERENCES organisations (id),
	listed        BOOLEAN NOT NULL,
	reason        TEXT NOT NULL,
	basis         TEXT NOT NULL DEFAULT '',
	by_user       BIGINT NOT NULL,
	at            {{TIME}} NOT NULL
);
CREATE INDEX credit_listings_developer ON credit_listings (developer_org, id);
