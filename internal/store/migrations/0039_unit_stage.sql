-- A unit's stage (supervision.UnitStage: unsold, sold, completed,
-- certified, handed_over) is kept on the unit as its facts change, so that
-- the dashboard counts a million units by one column instead of joining
-- their contracts, filings, certificates and handovers on each request.
--
-- unit_stages is the one definition of the stage: the furthest the unit
-- has come. Its handover and certificate conditions are the store's
-- handedOverSQL and CertifiedSQL("c") (TestUnitStagesDefinition holds
-- them equal). The triggers of this migration's engine part set
-- units.stage from it whenever a row it reads is written, on every path
-- (page, API, batch, import), and the store's tests check after each test
-- that every unit's kept stage is the one the view gives (storetest). The
-- engine part fills the column last, once its triggers see every write.
CREATE VIEW unit_stages AS SELECT u.id, CASE
	WHEN EXISTS (SELECT 1 FROM handover_units h WHERE h.unit_id = u.id AND h.handed_over_on <> '') THEN 'handed_over'
	WHEN EXISTS (SELECT 1 FROM certificates c WHERE c.unit_id = u.id AND c.kind = 'title' AND c.state = 'live' AND c.signature IS NOT NULL) THEN 'certified'
	WHEN EXISTS (SELECT 1 FROM contracts x WHERE x.unit_id = u.id AND x.state IN ('signed', 'filed')) THEN
		CASE WHEN EXISTS (SELECT 1 FROM completion_filing_buildings fb WHERE fb.building_id = u.building_id) THEN 'completed' ELSE 'sold' END
	ELSE 'unsold' END AS stage
	FROM units u;

ALTER TABLE units ADD COLUMN stage TEXT NOT NULL DEFAULT 'unsold'
	CHECK (stage IN ('unsold', 'sold', 'completed', 'certified', 'handed_over'));
