-- The flats handed over, tallied by project, building, day handed over
-- and certificate day, kept as handovers are written, so that the
-- dashboard reads a few rows a building and day instead of every flat
-- handed over in its period. At a million flats it read 564,330
-- handovers, each joined to its unit for its building's filing day: about
-- 0.9 s of the dashboard's 1.5 s on PostgreSQL.
--
-- handover_tally_facts is the one definition: the handovers whose keys
-- were handed over (the store's handedOverSQL), counted by the project of
-- their event and the building of their unit. The triggers of this
-- migration's engine part add or take one from a tally as a handover
-- row gains, loses or changes its day, its certificate day, its event or
-- its unit, and as a unit moves to another building; the store's tests
-- check after each test that the tallies are the view's
-- (store.TalliesAstray, storetest). A tally that falls to 0 stays, and
-- readers take units > 0.
CREATE TABLE handover_tallies (
	project_id     BIGINT NOT NULL REFERENCES projects(id),
	building_id    BIGINT NOT NULL REFERENCES buildings(id),
	handed_over_on TEXT NOT NULL,
	certified_on   TEXT NOT NULL,
	units          INTEGER NOT NULL CHECK (units >= 0),
	PRIMARY KEY (project_id, building_id, handed_over_on, certified_on)
);
CREATE INDEX handover_tallies_day ON handover_tallies (handed_over_on);

CREATE VIEW handover_tally_facts AS
	SELECT e.project_id, u.building_id, h.handed_over_on, h.certified_on, COUNT(*) AS units
	FROM handover_units h JOIN handover_events e ON e.id = h.event_id JOIN units u ON u.id = h.unit_id
	WHERE h.handed_over_on <> ''
	GROUP BY e.project_id, u.building_id, h.handed_over_on, h.certified_on;
