-- The triggers that keep units.stage (the common part says why).
--
-- keep_unit_stages sets the stage of the units it is given, writing only
-- those whose stage changed. It locks them first, in id order (as the
-- store's lockUnits does), and reads their stage by a statement after
-- the lock: under read committed each statement reads what was committed
-- when it began, so two transactions that change one unit's facts at
-- once (a contract signed while its building's completion is filed) set
-- its stage one after the other, the second from both changes. Without
-- the lock each would read the facts without the other's, and the last
-- to commit would keep a stage that is neither.
CREATE FUNCTION keep_unit_stages(ids BIGINT[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM units WHERE id = ANY (ids) ORDER BY id FOR UPDATE;
	UPDATE units SET stage = s.stage FROM unit_stages s
	WHERE s.id = units.id AND units.id = ANY (ids) AND units.stage <> s.stage;
END;
$$;
-- A row naming a unit: its unit, before and after.
CREATE FUNCTION unit_stage_of_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM keep_unit_stages(ARRAY[NEW.unit_id, OLD.unit_id]);
	RETURN NULL;
END;
$$;
-- A completion filing's building: all its units.
CREATE FUNCTION unit_stage_of_building() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM keep_unit_stages(ARRAY(SELECT id FROM units WHERE building_id IN (NEW.building_id, OLD.building_id)));
	RETURN NULL;
END;
$$;
-- A unit moved to another building.
CREATE FUNCTION unit_stage_of_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM keep_unit_stages(ARRAY[NEW.id]);
	RETURN NULL;
END;
$$;
CREATE TRIGGER unit_stage_handover AFTER INSERT OR DELETE OR UPDATE OF unit_id, handed_over_on ON handover_units
	FOR EACH ROW EXECUTE FUNCTION unit_stage_of_unit();
CREATE TRIGGER unit_stage_certificate AFTER INSERT OR DELETE OR UPDATE OF unit_id, kind, state, signature ON certificates
	FOR EACH ROW EXECUTE FUNCTION unit_stage_of_unit();
CREATE TRIGGER unit_stage_contract AFTER INSERT OR DELETE OR UPDATE OF unit_id, state ON contracts
	FOR EACH ROW EXECUTE FUNCTION unit_stage_of_unit();
CREATE TRIGGER unit_stage_filing AFTER INSERT OR DELETE OR UPDATE OF building_id ON completion_filing_buildings
	FOR EACH ROW EXECUTE FUNCTION unit_stage_of_building();
CREATE TRIGGER unit_stage_moved AFTER UPDATE OF building_id ON units
	FOR EACH ROW EXECUTE FUNCTION unit_stage_of_moved();
-- Last, once the triggers see every write: a transaction that changed a
-- fact before them has committed (creating a trigger waits for it), and
-- this statement reads what it wrote.
UPDATE units SET stage = s.stage FROM unit_stages s WHERE s.id = units.id AND units.stage <> s.stage;
