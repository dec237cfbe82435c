CREATE FUNCTION handover_event_project_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'a handover event''s project is never changed';
END; $$;
CREATE TRIGGER handover_events_project_fixed BEFORE UPDATE OF project_id ON handover_events
	FOR EACH ROW WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id) EXECUTE FUNCTION handover_event_project_fixed();
