-- The triggers that keep units.stage (the common part says why). Each
-- sets the stage of the units its row names, and writes only those whose
-- stage changed. SQLite runs one writer at a time, so a trigger reads
-- every fact committed before it. (SQLite triggers take one kind of write
-- each and no functions: hence the repetition.)
CREATE TRIGGER unit_stage_handover_insert AFTER INSERT ON handover_units BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_handover_update AFTER UPDATE OF unit_id, handed_over_on ON handover_units BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_handover_update_old AFTER UPDATE OF unit_id ON handover_units BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = OLD.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_handover_delete AFTER DELETE ON handover_units BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = OLD.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_certificate_insert AFTER INSERT ON certificates BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_certificate_update AFTER UPDATE OF unit_id, kind, state, signature ON certificates BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_certificate_update_old AFTER UPDATE OF unit_id ON certificates BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = OLD.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_certificate_delete AFTER DELETE ON certificates BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = OLD.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_contract_insert AFTER INSERT ON contracts BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_contract_update AFTER UPDATE OF unit_id, state ON contracts BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_contract_update_old AFTER UPDATE OF unit_id ON contracts BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = OLD.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_contract_delete AFTER DELETE ON contracts BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = OLD.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_filing_insert AFTER INSERT ON completion_filing_buildings BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE building_id = NEW.building_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_filing_delete AFTER DELETE ON completion_filing_buildings BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE building_id = OLD.building_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_filing_update AFTER UPDATE OF building_id ON completion_filing_buildings BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE building_id = NEW.building_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_filing_update_old AFTER UPDATE OF building_id ON completion_filing_buildings BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE building_id = OLD.building_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_unit_moved AFTER UPDATE OF building_id ON units BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
