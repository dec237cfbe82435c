-- The 预告登记证明 of the pre-notices recorded at contract filing (the
-- sale's, and the lending bank's 预抵押) are signed electronic proofs like
-- the other certificates. Filing queues them here, in its transaction;
-- each server looks every two seconds and makes and signs them outside it
-- (SM2 is CPU work a filing should not wait for), removing the row once
-- the proof is signed. A crash between leaves the row, and the next round
-- finishes it.
CREATE TABLE proofs_due (
	entry_id     BIGINT PRIMARY KEY REFERENCES register_entries (id),
	jurisdiction TEXT NOT NULL,
	queued_at    {{TIME}} NOT NULL
);
