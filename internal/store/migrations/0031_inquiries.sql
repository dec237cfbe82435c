-- 不动产登记资料查询 (docs/domain.md §5.17): every query answered, with who
-- asked (the requester's standing, name, ID number, organisation), why
-- (purpose, the proof and its number), what (how the unit was named, the
-- unit), through which channel, who at the registry answered and when, and
-- the 查询结果证明 as signed (payload, signature, key). disclosed_entry is
-- the ownership entry whose holders the answer named (0: none named), so
-- that a holder can see who was told about them. Append-only.
CREATE TABLE inquiries (
	id              {{ID}},
	number          TEXT NOT NULL UNIQUE,
	jurisdiction    TEXT NOT NULL,
	unit_id         BIGINT NOT NULL REFERENCES units (id),
	requester       TEXT NOT NULL CHECK (requester IN ('holder', 'interested', 'prospective', 'state_organ')),
	name            TEXT NOT NULL,
	id_number       TEXT NOT NULL,
	org             TEXT NOT NULL DEFAULT '',
	purpose         TEXT NOT NULL,
	basis           TEXT NOT NULL DEFAULT '',
	basis_no        TEXT NOT NULL DEFAULT '',
	by_kind         TEXT NOT NULL,
	lookup_key      TEXT NOT NULL,
	channel         TEXT NOT NULL CHECK (channel IN ('counter', 'online')),
	disclosed_entry BIGINT NOT NULL DEFAULT 0,
	payload         TEXT NOT NULL,
	signature       {{BLOB}} NOT NULL,
	key_id          BIGINT NOT NULL,
	queried_by      BIGINT NOT NULL,
	queried_at      {{TIME}} NOT NULL
);
CREATE INDEX inquiries_jurisdiction ON inquiries (jurisdiction, id);
CREATE INDEX inquiries_disclosed ON inquiries (disclosed_entry) WHERE disclosed_entry <> 0;
