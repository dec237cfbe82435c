-- The 预告登记证明 of the pre-notices recorded at contract filing (the
-- sale's, and the lending bank's 预抵押) are signed electronic proofs like
-- the other certificates. Filing queues them here, in its transaction;
-- each server looks every two seconds and makes and signs them outside it
-- (SM2 is CPU work a filing should not wait for), removing the row once
-- the proof is signed. A crash between leaves the row, and the next round
-- finishes it.
--
-- A server making a chunk claims it for a minute (claimed_until), so that
-- another server takes other proofs rather than signing the same again.
-- No index beside the key: the queue is short, and every filing writes it.
CREATE TABLE proofs_due (
	entry_id      BIGINT PRIMARY KEY REFERENCES register_entries (id),
	jurisdiction  TEXT NOT NULL,
	queued_at     {{TIME}} NOT NULL,
	claimed_until {{TIME}}
);

-- The pre-notices recorded before proofs were signed get theirs too: every
-- current one (not ended by a later entry) without a certificate.
INSERT INTO proofs_due (entry_id, jurisdiction, queued_at)
	SELECT e.id, p.jurisdiction, e.recorded_at FROM register_entries e
	JOIN units u ON u.id = e.unit_id JOIN buildings b ON b.id = u.building_id JOIN projects p ON p.id = b.project_id
	WHERE e.kind = 'prenotice' AND e.cert_no <> ''
	AND NOT EXISTS (SELECT 1 FROM register_entries x WHERE x.ends_entry = e.id)
	AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.entry_id = e.id);
