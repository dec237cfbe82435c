-- Failed logins per account and source address: one address's failures
-- lock that address out of the account (identity.LoginSource), never the
-- account itself, which users.failed_logins only slows. A row is the
-- pair's current count, kept beside the audit trail, which records every
-- attempt; a success from the address, or an administrator's unlock,
-- removes it.
CREATE TABLE login_sources (
	user_id      BIGINT NOT NULL REFERENCES users (id),
	addr         TEXT NOT NULL,
	failures     INTEGER NOT NULL DEFAULT 0,
	locked_until {{TIME}},
	PRIMARY KEY (user_id, addr)
);
