-- Registration applications, the complete register book, certificates,
-- deed tax, handover events and their batches, utilities.

-- Details of entries (register_entries stays append-only): a mortgage's
-- term, rank and whether it forbids transfer; a seal's or objection's
-- authority, document, kind, term and whether it waits (轮候).
ALTER TABLE register_entries ADD COLUMN term_start TEXT NOT NULL DEFAULT '';
ALTER TABLE register_entries ADD COLUMN term_end TEXT NOT NULL DEFAULT '';
ALTER TABLE register_entries ADD COLUMN mortgage_rank INTEGER NOT NULL DEFAULT 0;
ALTER TABLE register_entries ADD COLUMN no_transfer BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE register_entries ADD COLUMN authority TEXT NOT NULL DEFAULT '';
ALTER TABLE register_entries ADD COLUMN doc_no TEXT NOT NULL DEFAULT '';
ALTER TABLE register_entries ADD COLUMN seal_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE register_entries ADD COLUMN waiting BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE register_entries ADD COLUMN service_id BIGINT NOT NULL DEFAULT 0;

-- An event addressed to one organisation (a utility's request) goes only
-- to that organisation's endpoints.
ALTER TABLE outbox ADD COLUMN target_org BIGINT NOT NULL DEFAULT 0;

-- Restrictions on a parcel (seal, mortgage of the land or of the works in
-- progress, lock): append-only; a row with lifts set ends the one it names.
CREATE TABLE parcel_restrictions (
	id          {{ID}},
	parcel_code TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('seal', 'mortgage', 'construction_mortgage', 'lock', 'lift')),
	authority   TEXT NOT NULL DEFAULT '',
	doc_no      TEXT NOT NULL DEFAULT '',
	note        TEXT NOT NULL DEFAULT '',
	lifts       BIGINT REFERENCES parcel_restrictions (id) UNIQUE,
	recorded_by BIGINT NOT NULL,
	recorded_at {{TIME}} NOT NULL
);
CREATE INDEX parcel_restrictions_parcel ON parcel_restrictions (parcel_code);

CREATE TABLE applications (
	id           {{ID}},
	number       TEXT NOT NULL UNIQUE,
	jurisdiction TEXT NOT NULL,
	project_id   BIGINT NOT NULL DEFAULT 0,
	applicants   TEXT NOT NULL,
	agent        TEXT NOT NULL DEFAULT '',
	source       TEXT NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('open', 'done', 'withdrawn')),
	created_by   BIGINT NOT NULL,
	created_at   {{TIME}} NOT NULL
);
CREATE INDEX applications_jurisdiction ON applications (jurisdiction, state);

CREATE TABLE services (
	id             {{ID}},
	application_id BIGINT NOT NULL REFERENCES applications (id),
	seq            INTEGER NOT NULL,
	kind           TEXT NOT NULL,
	unit_id        BIGINT NOT NULL DEFAULT 0,
	building_id    BIGINT NOT NULL DEFAULT 0,
	contract_id    BIGINT NOT NULL DEFAULT 0,
	entry_id       BIGINT NOT NULL DEFAULT 0,
	state          TEXT NOT NULL,
	fee            BIGINT NOT NULL DEFAULT 0,
	due_on         TEXT NOT NULL,
	auto_review    BOOLEAN NOT NULL DEFAULT FALSE,
	details        TEXT NOT NULL DEFAULT '{}',
	return_reason  TEXT NOT NULL DEFAULT '',
	accepted_by    BIGINT NOT NULL DEFAULT 0,
	reviewed_by    BIGINT NOT NULL DEFAULT 0,
	reviewed2_by   BIGINT NOT NULL DEFAULT 0,
	recorded_at    {{TIME}},
	issued_at      {{TIME}},
	UNIQUE (application_id, seq)
);
CREATE INDEX services_unit ON services (unit_id);
CREATE INDEX services_contract ON services (contract_id);

-- Every step of every service: append-only.
CREATE TABLE service_steps (
	id         {{ID}},
	service_id BIGINT NOT NULL REFERENCES services (id),
	step       TEXT NOT NULL,
	by_user    BIGINT NOT NULL,
	by_name    TEXT NOT NULL DEFAULT '',
	at         {{TIME}} NOT NULL,
	note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX service_steps_service ON service_steps (service_id, id);

-- Materials an application refers to (already held), never uploaded again.
CREATE TABLE application_materials (
	application_id BIGINT NOT NULL REFERENCES applications (id),
	kind           TEXT NOT NULL,
	ref            TEXT NOT NULL,
	note           TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (application_id, kind, ref)
);

-- Signing keys of registration authorities; the private key is PKCS#8,
-- encrypted (SM4-CBC, PBKDF2-HMAC-SM3) with the operator's passphrase.
CREATE TABLE signing_keys (
	id            {{ID}},
	jurisdiction  TEXT NOT NULL,
	subject       TEXT NOT NULL,
	certificate   TEXT NOT NULL,
	private_key   TEXT NOT NULL,
	active        BOOLEAN NOT NULL DEFAULT TRUE,
	created_at    {{TIME}} NOT NULL
);

CREATE TABLE certificates (
	id           {{ID}},
	kind         TEXT NOT NULL CHECK (kind IN ('title', 'proof')),
	cert_no      TEXT NOT NULL UNIQUE,
	licence_id   TEXT NOT NULL UNIQUE,
	entry_id     BIGINT NOT NULL REFERENCES register_entries (id),
	unit_id      BIGINT NOT NULL REFERENCES units (id),
	service_id   BIGINT NOT NULL DEFAULT 0,
	jurisdiction TEXT NOT NULL,
	holder       TEXT NOT NULL,
	payload      TEXT NOT NULL,
	signature    {{BLOB}},
	key_id       BIGINT NOT NULL DEFAULT 0,
	issued_at    {{TIME}} NOT NULL,
	signed_at    {{TIME}},
	state        TEXT NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'cancelled')),
	cancelled_at {{TIME}},
	cancel_reason TEXT NOT NULL DEFAULT '',
	paper_serial TEXT NOT NULL DEFAULT '',
	printed_at   {{TIME}},
	delivery     TEXT NOT NULL DEFAULT '',
	tracking_no  TEXT NOT NULL DEFAULT '',
	delivered_at {{TIME}}
);
CREATE INDEX certificates_unit ON certificates (unit_id);
CREATE INDEX certificates_unsigned ON certificates (signed_at) WHERE signature IS NULL;

-- Numbered paper blanks (印制序列号): used or spoiled, never reused.
CREATE TABLE paper_blanks (
	serial         TEXT PRIMARY KEY,
	jurisdiction   TEXT NOT NULL,
	state          TEXT NOT NULL CHECK (state IN ('used', 'spoiled')),
	certificate_id BIGINT NOT NULL DEFAULT 0,
	reason         TEXT NOT NULL DEFAULT '',
	by_user        BIGINT NOT NULL,
	at             {{TIME}} NOT NULL
);

-- Deed tax (契税) assessed per contract, paid as the tax bureau reports.
CREATE TABLE deed_taxes (
	id          {{ID}},
	contract_id BIGINT NOT NULL UNIQUE REFERENCES contracts (id),
	unit_id     BIGINT NOT NULL REFERENCES units (id),
	base        BIGINT NOT NULL,
	area        BIGINT NOT NULL,
	home_count  TEXT NOT NULL,
	rate        TEXT NOT NULL,
	amount      BIGINT NOT NULL,
	assessed_at {{TIME}} NOT NULL,
	paid_at     {{TIME}},
	voucher     TEXT NOT NULL DEFAULT '',
	source      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE handover_events (
	id          {{ID}},
	project_id  BIGINT NOT NULL REFERENCES projects (id),
	held_on     TEXT NOT NULL,
	place       TEXT NOT NULL,
	mode        TEXT NOT NULL CHECK (mode IN ('onsite', 'entrusted')),
	notice_on   TEXT NOT NULL,
	state       TEXT NOT NULL CHECK (state IN ('planned', 'running', 'paused', 'done')),
	total       INTEGER NOT NULL DEFAULT 0,
	done        INTEGER NOT NULL DEFAULT 0,
	blocked     INTEGER NOT NULL DEFAULT 0,
	created_by  BIGINT NOT NULL,
	created_at  {{TIME}} NOT NULL,
	started_at  {{TIME}},
	finished_at {{TIME}}
);

CREATE TABLE handover_event_buildings (
	event_id    BIGINT NOT NULL REFERENCES handover_events (id),
	building_id BIGINT NOT NULL REFERENCES buildings (id),
	PRIMARY KEY (event_id, building_id)
);

-- The outcome per unit: handed over on D, certificate issued on D'.
CREATE TABLE handover_units (
	event_id       BIGINT NOT NULL REFERENCES handover_events (id),
	unit_id        BIGINT NOT NULL REFERENCES units (id),
	contract_id    BIGINT NOT NULL,
	state          TEXT NOT NULL CHECK (state IN ('pending', 'done', 'blocked')),
	reasons        TEXT NOT NULL DEFAULT '',
	application_id BIGINT NOT NULL DEFAULT 0,
	handed_over_on TEXT NOT NULL DEFAULT '',
	receiver       TEXT NOT NULL DEFAULT '',
	certified_on   TEXT NOT NULL DEFAULT '',
	updated_at     {{TIME}} NOT NULL,
	PRIMARY KEY (event_id, unit_id)
);
CREATE UNIQUE INDEX handover_units_done ON handover_units (unit_id) WHERE state = 'done';

-- Utility account transfers (水电气联动过户), one per unit and provider.
CREATE TABLE utility_requests (
	id          {{ID}},
	unit_id     BIGINT NOT NULL REFERENCES units (id),
	org_id      BIGINT NOT NULL REFERENCES organisations (id),
	entry_id    BIGINT NOT NULL REFERENCES register_entries (id),
	service     TEXT NOT NULL,
	holder      TEXT NOT NULL,
	state       TEXT NOT NULL CHECK (state IN ('requested', 'done', 'refused')),
	reason      TEXT NOT NULL DEFAULT '',
	requested_at {{TIME}} NOT NULL,
	answered_at {{TIME}},
	UNIQUE (entry_id, org_id)
);
CREATE INDEX utility_requests_org ON utility_requests (org_id, state);
