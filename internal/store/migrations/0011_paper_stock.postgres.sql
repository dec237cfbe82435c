CREATE TRIGGER paper_ranges_append_only BEFORE UPDATE OR DELETE ON paper_ranges FOR EACH ROW EXECUTE FUNCTION append_only();
