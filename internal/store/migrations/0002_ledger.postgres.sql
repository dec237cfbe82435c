CREATE TRIGGER unit_locks_append_only BEFORE UPDATE OR DELETE ON unit_locks FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER presale_permit_events_append_only BEFORE UPDATE OR DELETE ON presale_permit_events FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER credit_listings_append_only BEFORE UPDATE OR DELETE ON credit_listings FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER settings_append_only BEFORE UPDATE OR DELETE ON settings FOR EACH ROW EXECUTE FUNCTION append_only();
