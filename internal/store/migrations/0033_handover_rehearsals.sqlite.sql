-- rehearsals are append-only (0033_handover_rehearsals.sql).
CREATE TRIGGER handover_rehearsals_append_only BEFORE UPDATE ON handover_rehearsals BEGIN SELECT RAISE(ABORT, 'handover_rehearsals is append-only'); END;
CREATE TRIGGER handover_rehearsals_no_delete BEFORE DELETE ON handover_rehearsals BEGIN SELECT RAISE(ABORT, 'handover_rehearsals is append-only'); END;
CREATE TRIGGER handover_rehearsal_units_append_only BEFORE UPDATE ON handover_rehearsal_units BEGIN SELECT RAISE(ABORT, 'handover_rehearsal_units is append-only'); END;
CREATE TRIGGER handover_rehearsal_units_no_delete BEFORE DELETE ON handover_rehearsal_units BEGIN SELECT RAISE(ABORT, 'handover_rehearsal_units is append-only'); END;
