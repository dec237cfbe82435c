CREATE TRIGGER completion_filings_append_only BEFORE UPDATE OR DELETE ON completion_filings FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER credit_events_append_only BEFORE UPDATE OR DELETE ON credit_events FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER attachments_append_only BEFORE UPDATE OR DELETE ON attachments FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER survey_units_append_only BEFORE DELETE ON survey_units FOR EACH ROW EXECUTE FUNCTION append_only();
