-- The triggers that keep handover_tallies (the common part says why).
-- A row inserted into the view handover_tallied adds its units (1 or -1)
-- to one tally: the one INSTEAD OF trigger writes the change once. A
-- tally is taken from by an update (an insert of -1 would fail the check
-- before its conflict turned it into an update) and added to by an upsert.
CREATE VIEW handover_tallied AS SELECT NULL AS project_id, NULL AS building_id, NULL AS handed_over_on, NULL AS certified_on, NULL AS units;
CREATE TRIGGER handover_tally INSTEAD OF INSERT ON handover_tallied BEGIN
	UPDATE handover_tallies SET units = units + NEW.units
	WHERE NEW.units < 0 AND project_id = NEW.project_id AND building_id = NEW.building_id
		AND handed_over_on = NEW.handed_over_on AND certified_on = NEW.certified_on;
	INSERT INTO handover_tallies (project_id, building_id, handed_over_on, certified_on, units)
	SELECT NEW.project_id, NEW.building_id, NEW.handed_over_on, NEW.certified_on, NEW.units WHERE NEW.units > 0
	ON CONFLICT (project_id, building_id, handed_over_on, certified_on) DO UPDATE SET units = units + excluded.units;
END;
CREATE TRIGGER handover_tally_insert AFTER INSERT ON handover_units WHEN (NEW.handed_over_on <> '') BEGIN
	INSERT INTO handover_tallied SELECT e.project_id, u.building_id, NEW.handed_over_on, NEW.certified_on, 1
		FROM handover_events e, units u WHERE e.id = NEW.event_id AND u.id = NEW.unit_id;
END;
CREATE TRIGGER handover_tally_delete AFTER DELETE ON handover_units WHEN (OLD.handed_over_on <> '') BEGIN
	INSERT INTO handover_tallied SELECT e.project_id, u.building_id, OLD.handed_over_on, OLD.certified_on, -1
		FROM handover_events e, units u WHERE e.id = OLD.event_id AND u.id = OLD.unit_id;
END;
CREATE TRIGGER handover_tally_update AFTER UPDATE ON handover_units
	WHEN (OLD.handed_over_on IS NOT NEW.handed_over_on OR OLD.certified_on IS NOT NEW.certified_on
		OR OLD.event_id IS NOT NEW.event_id OR OLD.unit_id IS NOT NEW.unit_id) BEGIN
	INSERT INTO handover_tallied SELECT e.project_id, u.building_id, OLD.handed_over_on, OLD.certified_on, -1
		FROM handover_events e, units u WHERE e.id = OLD.event_id AND u.id = OLD.unit_id AND OLD.handed_over_on <> '';
	INSERT INTO handover_tallied SELECT e.project_id, u.building_id, NEW.handed_over_on, NEW.certified_on, 1
		FROM handover_events e, units u WHERE e.id = NEW.event_id AND u.id = NEW.unit_id AND NEW.handed_over_on <> '';
END;
CREATE TRIGGER handover_tally_moved AFTER UPDATE OF building_id ON units WHEN (OLD.building_id IS NOT NEW.building_id) BEGIN
	INSERT INTO handover_tallied SELECT e.project_id, OLD.building_id, h.handed_over_on, h.certified_on, -1
		FROM handover_units h JOIN handover_events e ON e.id = h.event_id WHERE h.unit_id = NEW.id AND h.handed_over_on <> '';
	INSERT INTO handover_tallied SELECT e.project_id, NEW.building_id, h.handed_over_on, h.certified_on, 1
		FROM handover_units h JOIN handover_events e ON e.id = h.event_id WHERE h.unit_id = NEW.id AND h.handed_over_on <> '';
END;
INSERT INTO handover_tallies (project_id, building_id, handed_over_on, certified_on, units)
	SELECT project_id, building_id, handed_over_on, certified_on, units FROM handover_tally_facts;
