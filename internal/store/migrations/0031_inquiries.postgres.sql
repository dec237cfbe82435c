-- inquiries are append-only (0031_inquiries.sql).
CREATE TRIGGER inquiries_append_only BEFORE UPDATE OR DELETE ON inquiries FOR EACH ROW EXECUTE FUNCTION append_only();
