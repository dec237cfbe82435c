-- rehearsals are append-only (0033_handover_rehearsals.sql).
CREATE TRIGGER handover_rehearsals_append_only BEFORE UPDATE OR DELETE ON handover_rehearsals FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER handover_rehearsal_units_append_only BEFORE UPDATE OR DELETE ON handover_rehearsal_units FOR EACH ROW EXECUTE FUNCTION append_only();
