-- Completion: survey results (多测合一), joint acceptance, accounting,
-- completion filing, commitments; alerts and credit events.

-- The surveying company the developer commissions for the project.
ALTER TABLE projects ADD COLUMN surveyor_org BIGINT REFERENCES organisations (id);
-- The floor area (计容建筑面积) granted by the land-grant contract, 0.01 m².
ALTER TABLE parcels ADD COLUMN grant_floor_area BIGINT NOT NULL DEFAULT 0;

CREATE TABLE surveys (
	id             {{ID}},
	project_id     BIGINT NOT NULL REFERENCES projects (id),
	building_id    BIGINT NOT NULL REFERENCES buildings (id),
	surveyor_org   BIGINT NOT NULL REFERENCES organisations (id),
	report_no      TEXT NOT NULL,
	building_total BIGINT NOT NULL,
	land_area      BIGINT NOT NULL,
	floor_area     BIGINT NOT NULL,
	state          TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'returned', 'superseded')),
	source         TEXT NOT NULL,
	file_sm3       TEXT NOT NULL DEFAULT '',
	submitted_by   BIGINT NOT NULL,
	submitted_at   {{TIME}} NOT NULL,
	decided_by     BIGINT NOT NULL DEFAULT 0,
	decided_at     {{TIME}},
	note           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX surveys_building ON surveys (building_id, id);
CREATE INDEX surveys_project ON surveys (project_id, id);

CREATE TABLE survey_units (
	survey_id  BIGINT NOT NULL REFERENCES surveys (id),
	unit_id    BIGINT NOT NULL REFERENCES units (id),
	row_num    INTEGER NOT NULL,
	total      BIGINT NOT NULL,
	inner_area BIGINT NOT NULL,
	shared     BIGINT NOT NULL,
	ratio      TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (survey_id, unit_id)
);

-- Refused survey uploads: what was wrong, and the annotated workbook.
CREATE TABLE survey_imports (
	id          {{ID}},
	building_id BIGINT NOT NULL REFERENCES buildings (id),
	file_name   TEXT NOT NULL,
	file_sm3    TEXT NOT NULL,
	errors      TEXT NOT NULL,
	annotated   {{BLOB}},
	by_user     BIGINT NOT NULL,
	at          {{TIME}} NOT NULL
);

CREATE TABLE acceptance_cases (
	id           {{ID}},
	project_id   BIGINT NOT NULL REFERENCES projects (id),
	jurisdiction TEXT NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('inspecting', 'returned', 'passed')),
	round        INTEGER NOT NULL,
	applied_by   BIGINT NOT NULL,
	applied_at   {{TIME}} NOT NULL,
	opinion_no   TEXT NOT NULL DEFAULT '',
	opinion_at   {{TIME}}
);
CREATE INDEX acceptance_cases_project ON acceptance_cases (project_id);

CREATE TABLE acceptance_buildings (
	case_id     BIGINT NOT NULL REFERENCES acceptance_cases (id),
	building_id BIGINT NOT NULL REFERENCES buildings (id),
	PRIMARY KEY (case_id, building_id)
);
CREATE INDEX acceptance_buildings_building ON acceptance_buildings (building_id);

CREATE TABLE acceptance_tasks (
	id         {{ID}},
	case_id    BIGINT NOT NULL REFERENCES acceptance_cases (id),
	round      INTEGER NOT NULL,
	department TEXT NOT NULL,
	org_id     BIGINT NOT NULL REFERENCES organisations (id),
	started_on TEXT NOT NULL,
	due_on     TEXT NOT NULL,
	result     TEXT NOT NULL DEFAULT '' CHECK (result IN ('', 'pass', 'fail')),
	reasons    TEXT NOT NULL DEFAULT '',
	decided_by BIGINT NOT NULL DEFAULT 0,
	decided_at {{TIME}},
	UNIQUE (case_id, round, department)
);
CREATE INDEX acceptance_tasks_org ON acceptance_tasks (org_id, result);

-- Files recorded with an opinion or as evidence; append-only.
CREATE TABLE attachments (
	id           {{ID}},
	owner_type   TEXT NOT NULL,
	owner_id     BIGINT NOT NULL,
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         BIGINT NOT NULL,
	sm3          TEXT NOT NULL,
	content      {{BLOB}} NOT NULL,
	uploaded_by  BIGINT NOT NULL,
	uploaded_at  {{TIME}} NOT NULL
);
CREATE INDEX attachments_owner ON attachments (owner_type, owner_id);

-- 核实核算: project items (unit_id 0) and each unit's maintenance fund.
CREATE TABLE accounting_items (
	id         {{ID}},
	project_id BIGINT NOT NULL REFERENCES projects (id),
	unit_id    BIGINT NOT NULL DEFAULT 0,
	kind       TEXT NOT NULL,
	due        BIGINT NOT NULL DEFAULT 0,
	paid       BIGINT NOT NULL DEFAULT 0,
	evidence   TEXT NOT NULL DEFAULT '',
	note       TEXT NOT NULL DEFAULT '',
	cleared_by BIGINT NOT NULL DEFAULT 0,
	cleared_at {{TIME}},
	updated_at {{TIME}} NOT NULL,
	UNIQUE (project_id, unit_id, kind)
);

-- 竣工验收备案: append-only; a building is filed once.
CREATE TABLE completion_filings (
	id           {{ID}},
	project_id   BIGINT NOT NULL REFERENCES projects (id),
	jurisdiction TEXT NOT NULL,
	number       TEXT NOT NULL,
	filed_on     TEXT NOT NULL,
	due_on       TEXT NOT NULL,
	source       TEXT NOT NULL,
	recorded_by  BIGINT NOT NULL,
	recorded_at  {{TIME}} NOT NULL,
	UNIQUE (jurisdiction, number)
);
CREATE INDEX completion_filings_project ON completion_filings (project_id);

CREATE TABLE completion_filing_buildings (
	filing_id   BIGINT NOT NULL REFERENCES completion_filings (id),
	building_id BIGINT NOT NULL UNIQUE REFERENCES buildings (id)
);

-- 告知承诺: promises made at the filing.
CREATE TABLE commitments (
	id            {{ID}},
	project_id    BIGINT NOT NULL REFERENCES projects (id),
	filing_id     BIGINT NOT NULL REFERENCES completion_filings (id),
	developer_org BIGINT NOT NULL REFERENCES organisations (id),
	kind          TEXT NOT NULL,
	title         TEXT NOT NULL,
	due_on        TEXT NOT NULL,
	fulfilled_at  {{TIME}},
	fulfilled_by  BIGINT NOT NULL DEFAULT 0,
	evidence      TEXT NOT NULL DEFAULT '',
	breached_at   {{TIME}}
);
CREATE INDEX commitments_due ON commitments (due_on);
CREATE INDEX commitments_project ON commitments (project_id);

-- The buyer's choice when the area is beyond ±3 %: keep or rescind.
CREATE TABLE area_decisions (
	contract_id BIGINT PRIMARY KEY REFERENCES contracts (id),
	choice      TEXT NOT NULL CHECK (choice IN ('keep', 'rescind')),
	by_user     BIGINT NOT NULL,
	at          {{TIME}} NOT NULL
);

-- Early warnings: one per kind and subject; resolved, never deleted.
CREATE TABLE alerts (
	id           {{ID}},
	kind         TEXT NOT NULL,
	jurisdiction TEXT NOT NULL,
	project_id   BIGINT NOT NULL DEFAULT 0,
	org_id       BIGINT NOT NULL DEFAULT 0,
	subject      TEXT NOT NULL,
	message      TEXT NOT NULL,
	raised_at    {{TIME}} NOT NULL,
	resolved_at  {{TIME}},
	UNIQUE (kind, subject)
);

-- Developers' credit records: append-only.
CREATE TABLE credit_events (
	id            {{ID}},
	developer_org BIGINT NOT NULL REFERENCES organisations (id),
	jurisdiction  TEXT NOT NULL,
	kind          TEXT NOT NULL,
	subject       TEXT NOT NULL,
	description   TEXT NOT NULL,
	occurred_at   {{TIME}} NOT NULL,
	UNIQUE (kind, subject)
);
CREATE INDEX credit_events_developer ON credit_events (developer_org, id);
