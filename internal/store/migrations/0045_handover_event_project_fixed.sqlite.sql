CREATE TRIGGER handover_events_project_fixed BEFORE UPDATE OF project_id ON handover_events
	WHEN NEW.project_id IS NOT OLD.project_id
	BEGIN SELECT RAISE(ABORT, 'a handover event''s project is never changed'); END;
