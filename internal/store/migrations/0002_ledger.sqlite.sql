CREATE TRIGGER unit_locks_append_only BEFORE UPDATE ON unit_locks BEGIN SELECT RAISE(ABORT, 'unit_locks is append-only'); END;
CREATE TRIGGER unit_locks_no_delete BEFORE DELETE ON unit_locks BEGIN SELECT RAISE(ABORT, 'unit_locks is append-only'); END;
CREATE TRIGGER presale_permit_events_append_only BEFORE UPDATE ON presale_permit_events BEGIN SELECT RAISE(ABORT, 'presale_permit_events is append-only'); END;
CREATE TRIGGER presale_permit_events_no_delete BEFORE DELETE ON presale_permit_events BEGIN SELECT RAISE(ABORT, 'presale_permit_events is append-only'); END;
CREATE TRIGGER credit_listings_append_only BEFORE UPDATE ON credit_listings BEGIN SELECT RAISE(ABORT, 'credit_listings is append-only'); END;
CREATE TRIGGER credit_listings_no_delete BEFORE DELETE ON credit_listings BEGIN SELECT RAISE(ABORT, 'credit_listings is append-only'); END;
CREATE TRIGGER settings_append_only BEFORE UPDATE ON settings BEGIN SELECT RAISE(ABORT, 'settings is append-only'); END;
CREATE TRIGGER settings_no_delete BEFORE DELETE ON settings BEGIN SELECT RAISE(ABORT, 'settings is append-only'); END;
