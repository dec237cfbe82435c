-- The triggers that keep units.stage (the common part says why). Each
-- sets the stage of the units its row names, old and new, and writes only
-- those whose stage changed.
CREATE FUNCTION unit_stage_of_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE units SET stage = s.stage FROM unit_stages s
	WHERE s.id = units.id AND units.id IN (NEW.unit_id, OLD.unit_id) AND units.stage <> s.stage;
	RETURN NULL;
END;
$$;
CREATE FUNCTION unit_stage_of_building() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE units SET stage = s.stage FROM unit_stages s
	WHERE s.id = units.id AND units.building_id IN (NEW.building_id, OLD.building_id) AND units.stage <> s.stage;
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
