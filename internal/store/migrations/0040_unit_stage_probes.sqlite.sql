-- The stage triggers of migration 0039 on SQLite each repeated the
-- statement that sets a unit's stage, since a SQLite trigger cannot call
-- a function. They now name the units whose facts changed by inserting
-- them into the view unit_stage_touched, whose one INSTEAD OF trigger
-- sets their stage: the statement is written once, as keep_unit_stages
-- is on PostgreSQL. Each trigger fires on the same condition as in 0039
-- (the common part there says why).
CREATE VIEW unit_stage_touched AS SELECT NULL AS unit_id, NULL AS building_id;
CREATE TRIGGER unit_stage_keep INSTEAD OF INSERT ON unit_stage_touched BEGIN
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE id = NEW.unit_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
	UPDATE units SET stage = (SELECT s.stage FROM unit_stages s WHERE s.id = units.id)
	WHERE building_id = NEW.building_id AND stage <> (SELECT s.stage FROM unit_stages s WHERE s.id = units.id);
END;

DROP TRIGGER unit_stage_handover_insert;
DROP TRIGGER unit_stage_handover_delete;
DROP TRIGGER unit_stage_handover_update;
DROP TRIGGER unit_stage_certificate_insert;
DROP TRIGGER unit_stage_certificate_delete;
DROP TRIGGER unit_stage_certificate_update;
DROP TRIGGER unit_stage_contract_insert;
DROP TRIGGER unit_stage_contract_delete;
DROP TRIGGER unit_stage_contract_update;
DROP TRIGGER unit_stage_filing_insert;
DROP TRIGGER unit_stage_filing_delete;
DROP TRIGGER unit_stage_filing_update;
DROP TRIGGER unit_stage_unit_moved;

CREATE TRIGGER unit_stage_handover_insert AFTER INSERT ON handover_units WHEN (NEW.handed_over_on <> '') BEGIN
	INSERT INTO unit_stage_touched (unit_id) VALUES (NEW.unit_id);
END;
CREATE TRIGGER unit_stage_handover_delete AFTER DELETE ON handover_units WHEN (OLD.handed_over_on <> '') BEGIN
	INSERT INTO unit_stage_touched (unit_id) VALUES (OLD.unit_id);
END;
CREATE TRIGGER unit_stage_handover_update AFTER UPDATE ON handover_units WHEN ((OLD.handed_over_on <> '') IS NOT (NEW.handed_over_on <> '') OR OLD.unit_id IS NOT NEW.unit_id) BEGIN
	INSERT INTO unit_stage_touched (unit_id) VALUES (OLD.unit_id), (NEW.unit_id);
END;
CREATE TRIGGER unit_stage_certificate_insert AFTER INSERT ON certificates WHEN (NEW.kind = 'title' AND NEW.state = 'live' AND NEW.signature IS NOT NULL) BEGIN
	INSERT INTO unit_stage_touched (unit_id) VALUES (NEW.unit_id);
END;
CREATE TRIGGER unit_stage_certificate_delete AFTER DELETE ON certificates WHEN (OLD.kind = 'title' AND OLD.state = 'live' AND OLD.signature IS NOT NULL) BEGIN
	INSERT INTO unit_stage_touched (unit_id) VALUES (OLD.unit_id);
END;
CREATE TRIGGER unit_stage_certificate_update AFTER UPDATE ON certificates WHEN ((OLD.kind = 'title' AND OLD.state = 'live' AND OLD.signature IS NOT NULL) IS NOT (NEW.kind = 'title' AND NEW.state = 'live' AND NEW.signature IS NOT NULL) OR OLD.unit_id IS NOT NEW.unit_id) BEGIN
	INSERT INTO unit_stage_touched (unit_id) VALUES (OLD.unit_id), (NEW.unit_id);
END;
CREATE TRIGGER unit_stage_contract_insert AFTER INSERT ON contracts WHEN (NEW.state IN ('signed', 'filed')) BEGIN
	INSERT INTO unit_stage_touched (unit_id) VALUES (NEW.unit_id);
END;
CREATE TRIGGER unit_stage_contract_delete AFTER DELETE ON contracts WHEN (OLD.state IN ('signed', 'filed')) BEGIN
	INSERT INTO unit_stage_touched (unit_id) VALUES (OLD.unit_id);
END;
CREATE TRIGGER unit_stage_contract_update AFTER UPDATE ON contracts WHEN ((OLD.state IN ('signed', 'filed')) IS NOT (NEW.state IN ('signed', 'filed')) OR OLD.unit_id IS NOT NEW.unit_id) BEGIN
	INSERT INTO unit_stage_touched (unit_id) VALUES (OLD.unit_id), (NEW.unit_id);
END;
CREATE TRIGGER unit_stage_filing_insert AFTER INSERT ON completion_filing_buildings BEGIN
	INSERT INTO unit_stage_touched (building_id) VALUES (NEW.building_id);
END;
CREATE TRIGGER unit_stage_filing_delete AFTER DELETE ON completion_filing_buildings BEGIN
	INSERT INTO unit_stage_touched (building_id) VALUES (OLD.building_id);
END;
CREATE TRIGGER unit_stage_filing_update AFTER UPDATE OF building_id ON completion_filing_buildings BEGIN
	INSERT INTO unit_stage_touched (building_id) VALUES (OLD.building_id), (NEW.building_id);
END;
CREATE TRIGGER unit_stage_unit_moved AFTER UPDATE OF building_id ON units BEGIN
	INSERT INTO unit_stage_touched (unit_id) VALUES (NEW.id);
END;
