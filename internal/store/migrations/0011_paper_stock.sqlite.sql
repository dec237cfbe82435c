CREATE TRIGGER paper_ranges_append_only BEFORE UPDATE ON paper_ranges BEGIN SELECT RAISE(ABORT, 'paper_ranges is append-only'); END;
CREATE TRIGGER paper_ranges_no_delete BEFORE DELETE ON paper_ranges BEGIN SELECT RAISE(ABORT, 'paper_ranges is append-only'); END;
CREATE TRIGGER paper_blanks_no_delete BEFORE DELETE ON paper_blanks BEGIN SELECT RAISE(ABORT, 'paper_blanks is append-only'); END;
