-- Online contracts (网签备案), the register book, the outbox and its
-- deliveries, and presale fund supervision.

CREATE TABLE contracts (
	id                    {{ID}},
	number                TEXT NOT NULL UNIQUE,
	unit_id               BIGINT NOT NULL REFERENCES units (id),
	project_id            BIGINT NOT NULL REFERENCES projects (id),
	developer_org         BIGINT NOT NULL REFERENCES organisations (id),
	jurisdiction          TEXT NOT NULL,
	state                 TEXT NOT NULL CHECK (state IN ('draft', 'sent', 'signed', 'filed', 'withdrawn', 'cancelled')),
	ownership             TEXT NOT NULL,
	price_basis           TEXT NOT NULL,
	unit_price            BIGINT NOT NULL,
	price_area            BIGINT NOT NULL,
	total_price           BIGINT NOT NULL,
	payment               TEXT NOT NULL,
	loan_bank             BIGINT REFERENCES organisations (id),
	loan_amount           BIGINT NOT NULL DEFAULT 0,
	loan_years            INTEGER NOT NULL DEFAULT 0,
	loan_no               TEXT NOT NULL DEFAULT '',
	home_count            TEXT NOT NULL,
	marital               TEXT NOT NULL DEFAULT '',
	escrow_bank           TEXT NOT NULL,
	escrow_acct           TEXT NOT NULL,
	delivery_date         TEXT,
	delivery_conditions   TEXT NOT NULL DEFAULT '[]',
	area_clause           BOOLEAN NOT NULL,
	registration_days     INTEGER NOT NULL,
	late_delivery_rate    TEXT NOT NULL,
	late_certificate_rate TEXT NOT NULL,
	created_by            BIGINT NOT NULL,
	created_at            {{TIME}} NOT NULL,
	sent_at               {{TIME}},
	signed_at             {{TIME}},
	filed_at              {{TIME}},
	ended_at              {{TIME}},
	end_reason            TEXT NOT NULL DEFAULT '',
	digest                TEXT NOT NULL DEFAULT '',
	prenotice_no          TEXT NOT NULL DEFAULT ''
);
-- One unit, one live contract: the database refuses a second one whatever
-- the application does (both engines support partial unique indexes).
CREATE UNIQUE INDEX contracts_live_unit ON contracts (unit_id) WHERE state IN ('draft', 'sent', 'signed', 'filed');
CREATE INDEX contracts_project ON contracts (project_id, state);
CREATE INDEX contracts_jurisdiction ON contracts (jurisdiction, state);
CREATE INDEX contracts_bank ON contracts (loan_bank);

CREATE TABLE contract_buyers (
	contract_id  BIGINT NOT NULL REFERENCES contracts (id),
	seq          INTEGER NOT NULL,
	name         TEXT NOT NULL,
	id_number    TEXT NOT NULL,
	phone        TEXT NOT NULL DEFAULT '',
	share_num    BIGINT NOT NULL DEFAULT 0,
	share_den    BIGINT NOT NULL DEFAULT 0,
	confirmed_at {{TIME}},
	PRIMARY KEY (contract_id, seq)
);
CREATE INDEX contract_buyers_id ON contract_buyers (id_number);

-- Materials collected once at filing and reused by later registrations.
CREATE TABLE filing_materials (
	id          {{ID}},
	contract_id BIGINT NOT NULL REFERENCES contracts (id),
	kind        TEXT NOT NULL,
	content     TEXT NOT NULL,
	sm3         TEXT NOT NULL,
	recorded_at {{TIME}} NOT NULL
);
CREATE INDEX filing_materials_contract ON filing_materials (contract_id);

CREATE TABLE contract_cancellations (
	id           {{ID}},
	contract_id  BIGINT NOT NULL REFERENCES contracts (id),
	reason       TEXT NOT NULL,
	court_doc    TEXT NOT NULL DEFAULT '',
	requested_by BIGINT NOT NULL,
	requested_at {{TIME}} NOT NULL,
	developer_ok BOOLEAN NOT NULL DEFAULT FALSE,
	buyers_ok    TEXT NOT NULL DEFAULT '[]',
	state        TEXT NOT NULL CHECK (state IN ('open', 'executed', 'withdrawn')),
	executed_at  {{TIME}}
);
CREATE UNIQUE INDEX contract_cancellations_open ON contract_cancellations (contract_id) WHERE state = 'open';

-- The register book: append-only; an entry's status follows from later
-- entries that end it (ends_entry, end_kind).
CREATE TABLE register_entries (
	id              {{ID}},
	unit_id         BIGINT NOT NULL REFERENCES units (id),
	kind            TEXT NOT NULL,
	reg_type        INTEGER NOT NULL,
	right_type      INTEGER NOT NULL DEFAULT 0,
	prenotice_kind  INTEGER NOT NULL DEFAULT 0,
	ownership       TEXT NOT NULL DEFAULT '',
	obligor_name    TEXT NOT NULL DEFAULT '',
	obligor_id      TEXT NOT NULL DEFAULT '',
	amount          BIGINT NOT NULL DEFAULT 0,
	cert_no         TEXT NOT NULL DEFAULT '',
	contract_id     BIGINT,
	ends_entry      BIGINT REFERENCES register_entries (id),
	end_kind        TEXT NOT NULL DEFAULT '',
	note            TEXT NOT NULL DEFAULT '',
	recorded_by     BIGINT NOT NULL,
	recorded_at     {{TIME}} NOT NULL
);
CREATE INDEX register_entries_unit ON register_entries (unit_id, id);
CREATE UNIQUE INDEX register_entries_ends ON register_entries (ends_entry) WHERE ends_entry IS NOT NULL;
CREATE INDEX register_entries_cert ON register_entries (cert_no);
CREATE INDEX register_entries_contract ON register_entries (contract_id) WHERE contract_id IS NOT NULL;

CREATE TABLE register_holders (
	entry_id  BIGINT NOT NULL REFERENCES register_entries (id),
	seq       INTEGER NOT NULL,
	name      TEXT NOT NULL,
	id_kind   TEXT NOT NULL,
	id_number TEXT NOT NULL,
	share_num BIGINT NOT NULL DEFAULT 0,
	share_den BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (entry_id, seq)
);
CREATE INDEX register_holders_id ON register_holders (id_number);

-- Numbers of a series handed out by its counter (sequences) and not yet
-- taken; see nextSeq.
CREATE TABLE number_pool (
	series TEXT NOT NULL,
	value  BIGINT NOT NULL,
	PRIMARY KEY (series, value)
);

-- The outbox and its deliveries to partner endpoints.
CREATE TABLE outbox (
	id           {{ID}},
	type         TEXT NOT NULL,
	aggregate    TEXT NOT NULL,
	jurisdiction TEXT NOT NULL,
	payload      TEXT NOT NULL,
	created_at   {{TIME}} NOT NULL
);

CREATE TABLE partner_endpoints (
	id           {{ID}},
	org_id       BIGINT NOT NULL REFERENCES organisations (id),
	name         TEXT NOT NULL,
	url          TEXT NOT NULL,
	secret       TEXT NOT NULL,
	events       TEXT NOT NULL,
	jurisdiction TEXT NOT NULL DEFAULT '',
	active       BOOLEAN NOT NULL DEFAULT TRUE,
	created_at   {{TIME}} NOT NULL
);

-- The events each endpoint subscribes to, by type: the outbox's fan-out
-- joins it (partner_endpoints.events keeps the administrator's list).
CREATE TABLE endpoint_events (
	endpoint_id BIGINT NOT NULL REFERENCES partner_endpoints (id),
	event_type  TEXT NOT NULL,
	PRIMARY KEY (endpoint_id, event_type)
);
CREATE INDEX endpoint_events_type ON endpoint_events (event_type);

CREATE TABLE deliveries (
	id           {{ID}},
	outbox_id    BIGINT NOT NULL REFERENCES outbox (id),
	endpoint_id  BIGINT NOT NULL REFERENCES partner_endpoints (id),
	aggregate    TEXT NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_at      {{TIME}} NOT NULL,
	leased_until {{TIME}},
	last_status  INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	delivered_at {{TIME}},
	UNIQUE (outbox_id, endpoint_id)
);
CREATE INDEX deliveries_pending ON deliveries (state, next_at);
CREATE INDEX deliveries_order ON deliveries (endpoint_id, aggregate, outbox_id);

-- Presale fund supervision.
CREATE TABLE fund_accounts (
	project_id  BIGINT PRIMARY KEY REFERENCES projects (id),
	bank_org    BIGINT NOT NULL REFERENCES organisations (id),
	account_no  TEXT NOT NULL,
	supervised  BIGINT NOT NULL,
	created_by  BIGINT NOT NULL,
	created_at  {{TIME}} NOT NULL
);

CREATE TABLE fund_payments (
	id          {{ID}},
	project_id  BIGINT NOT NULL REFERENCES projects (id),
	contract_id BIGINT REFERENCES contracts (id),
	amount      BIGINT NOT NULL,
	paid_on     TEXT NOT NULL,
	note        TEXT NOT NULL DEFAULT '',
	recorded_by BIGINT NOT NULL,
	at          {{TIME}} NOT NULL
);
CREATE INDEX fund_payments_project ON fund_payments (project_id);

CREATE TABLE fund_withdrawals (
	id           {{ID}},
	project_id   BIGINT NOT NULL REFERENCES projects (id),
	node         TEXT NOT NULL,
	amount       BIGINT NOT NULL,
	evidence     TEXT NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'refused')),
	extra_review BOOLEAN NOT NULL DEFAULT FALSE,
	requested_by BIGINT NOT NULL,
	requested_at {{TIME}} NOT NULL,
	decided_by   BIGINT,
	decided_at   {{TIME}},
	decision     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX fund_withdrawals_project ON fund_withdrawals (project_id, state);

-- Project milestones (structure acceptance, completion, filing, first
-- registration): append-only facts that open fund release nodes.
CREATE TABLE project_milestones (
	id          {{ID}},
	project_id  BIGINT NOT NULL REFERENCES projects (id),
	milestone   TEXT NOT NULL,
	reached_on  TEXT NOT NULL,
	evidence    TEXT NOT NULL,
	recorded_by BIGINT NOT NULL,
	at          {{TIME}} NOT NULL
);
CREATE INDEX project_milestones_project ON project_milestones (project_id, milestone);
