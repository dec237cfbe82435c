-- The dashboard joins the set of units holding a live, signed title
-- certificate once, instead of asking per unit: this partial index is that
-- set, read without touching the certificates themselves (their payloads
-- and signatures make the table the widest the dashboard reads).
CREATE INDEX certificates_certified ON certificates (unit_id) WHERE kind = 'title' AND state = 'live' AND signature IS NOT NULL;
