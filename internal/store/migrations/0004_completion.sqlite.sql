CREATE TRIGGER completion_filings_append_only BEFORE UPDATE ON completion_filings BEGIN SELECT RAISE(ABORT, 'completion_filings is append-only'); END;
CREATE TRIGGER completion_filings_no_delete BEFORE DELETE ON completion_filings BEGIN SELECT RAISE(ABORT, 'completion_filings is append-only'); END;
CREATE TRIGGER credit_events_append_only BEFORE UPDATE ON credit_events BEGIN SELECT RAISE(ABORT, 'credit_events is append-only'); END;
CREATE TRIGGER credit_events_no_delete BEFORE DELETE ON credit_events BEGIN SELECT RAISE(ABORT, 'credit_events is append-only'); END;
CREATE TRIGGER attachments_append_only BEFORE UPDATE ON attachments BEGIN SELECT RAISE(ABORT, 'attachments is append-only'); END;
CREATE TRIGGER attachments_no_delete BEFORE DELETE ON attachments BEGIN SELECT RAISE(ABORT, 'attachments is append-only'); END;
CREATE TRIGGER survey_units_append_only BEFORE DELETE ON survey_units BEGIN SELECT RAISE(ABORT, 'survey_units is append-only'); END;
