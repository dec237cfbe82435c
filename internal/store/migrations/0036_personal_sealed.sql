-- Personal information sealed at rest (《个人信息保护法》; GB/T 35273):
-- identity document numbers and phone numbers are stored SM4-GCM sealed
-- (internal/personal), with the data keys below, wrapped with the
-- operator's passphrase. A person is found by the blind index of their
-- number (id_index: HMAC-SM3 under the index key), never by the number.
CREATE TABLE personal_keys (
	id         {{ID}},
	kind       TEXT NOT NULL CHECK (kind IN ('data', 'index')),
	wrapped    TEXT NOT NULL,
	created_at {{TIME}} NOT NULL
);
-- One index key, for ever: the blind index is how rows are found.
CREATE UNIQUE INDEX personal_keys_one_index ON personal_keys (kind) WHERE kind = 'index';

ALTER TABLE users ADD COLUMN id_index TEXT;
DROP INDEX users_id_number;
CREATE UNIQUE INDEX users_id_index ON users (id_index) WHERE id_index IS NOT NULL;

ALTER TABLE contract_buyers ADD COLUMN id_index TEXT NOT NULL DEFAULT '';
DROP INDEX contract_buyers_id;
CREATE INDEX contract_buyers_id_index ON contract_buyers (id_index);

ALTER TABLE register_holders ADD COLUMN id_index TEXT NOT NULL DEFAULT '';
DROP INDEX register_holders_id;
CREATE INDEX register_holders_id_index ON register_holders (id_index);

ALTER TABLE inquiries ADD COLUMN id_index TEXT NOT NULL DEFAULT '';

-- One row once every value stored before the platform sealed has been
-- sealed (by the first start with the keys unlocked): from then on a
-- value in clear in a sealed column is refused as written past the store.
CREATE TABLE personal_sealing (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	done_at {{TIME}} NOT NULL
);
