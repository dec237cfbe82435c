-- The triggers that keep handover_tallies (the common part says why).
-- tally_handover adds n (1 or -1) to one tally: a tally is taken from
-- by an update (an insert of -1 would fail the check before its conflict
-- turned it into an update) and added to by an upsert.
CREATE FUNCTION tally_handover(proj BIGINT, bldg BIGINT, day TEXT, cert TEXT, n INTEGER) RETURNS void LANGUAGE sql AS $$
	UPDATE handover_tallies SET units = units + n
	WHERE n < 0 AND project_id = proj AND building_id = bldg AND handed_over_on = day AND certified_on = cert;
	INSERT INTO handover_tallies (project_id, building_id, handed_over_on, certified_on, units) SELECT proj, bldg, day, cert, n WHERE n > 0
	ON CONFLICT (project_id, building_id, handed_over_on, certified_on) DO UPDATE SET units = handover_tallies.units + EXCLUDED.units;
$$;
-- A handover row: out of its old tally, into its new one.
CREATE FUNCTION tally_handover_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' AND OLD.handed_over_on <> '' THEN
		PERFORM tally_handover((SELECT project_id FROM handover_events WHERE id = OLD.event_id),
			(SELECT building_id FROM units WHERE id = OLD.unit_id), OLD.handed_over_on, OLD.certified_on, -1);
	END IF;
	IF TG_OP <> 'DELETE' AND NEW.handed_over_on <> '' THEN
		PERFORM tally_handover((SELECT project_id FROM handover_events WHERE id = NEW.event_id),
			(SELECT building_id FROM units WHERE id = NEW.unit_id), NEW.handed_over_on, NEW.certified_on, 1);
	END IF;
	RETURN NULL;
END;
$$;
-- A unit moved to another building: its handovers move with it.
CREATE FUNCTION tally_unit_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM tally_handover(e.project_id, OLD.building_id, h.handed_over_on, h.certified_on, -1),
		tally_handover(e.project_id, NEW.building_id, h.handed_over_on, h.certified_on, 1)
	FROM handover_units h JOIN handover_events e ON e.id = h.event_id WHERE h.unit_id = NEW.id AND h.handed_over_on <> '';
	RETURN NULL;
END;
$$;
CREATE TRIGGER handover_tally_insert AFTER INSERT ON handover_units
	FOR EACH ROW WHEN (NEW.handed_over_on <> '') EXECUTE FUNCTION tally_handover_row();
CREATE TRIGGER handover_tally_delete AFTER DELETE ON handover_units
	FOR EACH ROW WHEN (OLD.handed_over_on <> '') EXECUTE FUNCTION tally_handover_row();
CREATE TRIGGER handover_tally_update AFTER UPDATE ON handover_units
	FOR EACH ROW WHEN (OLD.handed_over_on IS DISTINCT FROM NEW.handed_over_on OR OLD.certified_on IS DISTINCT FROM NEW.certified_on
		OR OLD.event_id IS DISTINCT FROM NEW.event_id OR OLD.unit_id IS DISTINCT FROM NEW.unit_id)
	EXECUTE FUNCTION tally_handover_row();
CREATE TRIGGER handover_tally_moved AFTER UPDATE OF building_id ON units
	FOR EACH ROW WHEN (OLD.building_id IS DISTINCT FROM NEW.building_id) EXECUTE FUNCTION tally_unit_moved();
-- Last, once the triggers see every write (as in migration 0039).
INSERT INTO handover_tallies (project_id, building_id, handed_over_on, certified_on, units)
	SELECT project_id, building_id, handed_over_on, certified_on, units FROM handover_tally_facts;
