-- The triggers that keep units.stage (the common part says why). A row
-- fires its trigger only when it changes what the view reads of it: a
-- handover with or without its day, a certificate that is or is not a
-- live signed title (CertifiedSQL), a sale live or not (so filing a
-- signed contract, or numbering an unsigned certificate, fires none).
-- Each trigger sets the stage of the units its row names, and writes only
-- those whose stage changed. SQLite runs one writer at a time, so a
-- trigger reads every fact committed before it. (SQLite triggers take one
-- kind of write each and no functions: hence the repetition.)
CREATE TRIGGER unit_stage_handover_insert AFTER INSERT ON handover_units WHEN (NEW.handed_over_on <> '') BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_handover_delete AFTER DELETE ON handover_units WHEN (OLD.handed_over_on <> '') BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = OLD.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_handover_update AFTER UPDATE ON handover_units WHEN ((OLD.handed_over_on <> '') IS NOT (NEW.handed_over_on <> '') OR OLD.unit_id IS NOT NEW.unit_id) BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id IN (OLD.unit_id, NEW.unit_id) AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_certificate_insert AFTER INSERT ON certificates WHEN (NEW.kind = 'title' AND NEW.state = 'live' AND NEW.signature IS NOT NULL) BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_certificate_delete AFTER DELETE ON certificates WHEN (OLD.kind = 'title' AND OLD.state = 'live' AND OLD.signature IS NOT NULL) BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = OLD.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_certificate_update AFTER UPDATE ON certificates WHEN ((OLD.kind = 'title' AND OLD.state = 'live' AND OLD.signature IS NOT NULL) IS NOT (NEW.kind = 'title' AND NEW.state = 'live' AND NEW.signature IS NOT NULL) OR OLD.unit_id IS NOT NEW.unit_id) BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id IN (OLD.unit_id, NEW.unit_id) AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_contract_insert AFTER INSERT ON contracts WHEN (NEW.state IN ('signed', 'filed')) BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_contract_delete AFTER DELETE ON contracts WHEN (OLD.state IN ('signed', 'filed')) BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = OLD.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_contract_update AFTER UPDATE ON contracts WHEN ((OLD.state IN ('signed', 'filed')) IS NOT (NEW.state IN ('signed', 'filed')) OR OLD.unit_id IS NOT NEW.unit_id) BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id IN (OLD.unit_id, NEW.unit_id) AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
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
	WHERE building_id IN (OLD.building_id, NEW.building_id) AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
CREATE TRIGGER unit_stage_unit_moved AFTER UPDATE OF building_id ON units BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;
UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
