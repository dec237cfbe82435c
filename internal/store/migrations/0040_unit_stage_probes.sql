-- The view unit_stages (migration 0039) asks each of its questions as a
-- LIMIT 1 scalar subquery instead of EXISTS.
--
-- PostgreSQL may answer an EXISTS inside a CASE with a hashed subplan: it
-- reads the whole table into a hash on every execution. The triggers of
-- migration 0039 execute the view for the few units a written row names,
-- so each row a bulk sale or a batch handover wrote read every handover
-- and every filed building again: some 7 ms a contract at 5,000 flats,
-- growing with the register. A scalar subquery is never hashed; each
-- question is one probe of its index (handover_units_keys,
-- certificates_certified, contracts_unit, the filed buildings' unique
-- key), whatever the register's size. The answers are the same: a probe
-- finds a row exactly when EXISTS does.
--
-- The handover and certificate conditions are still the store's
-- handedOverSQL and CertifiedSQL("c") (TestUnitStagesDefinition).
DROP VIEW unit_stages;
CREATE VIEW unit_stages AS SELECT u.id, CASE
	WHEN (SELECT TRUE FROM handover_units h WHERE h.unit_id = u.id AND h.handed_over_on <> '' LIMIT 1) THEN 'handed_over'
	WHEN (SELECT TRUE FROM certificates c WHERE c.unit_id = u.id AND c.kind = 'title' AND c.state = 'live' AND c.signature IS NOT NULL LIMIT 1) THEN 'certified'
	WHEN (SELECT TRUE FROM contracts x WHERE x.unit_id = u.id AND x.state IN ('signed', 'filed') LIMIT 1) THEN
		CASE WHEN (SELECT TRUE FROM completion_filing_buildings fb WHERE fb.building_id = u.building_id LIMIT 1) THEN 'completed' ELSE 'sold' END
	ELSE 'unsold' END AS stage
	FROM units u;
