-- inquiries are append-only (0031_inquiries.sql).
CREATE TRIGGER inquiries_append_only BEFORE UPDATE ON inquiries BEGIN SELECT RAISE(ABORT, 'inquiries is append-only'); END;
CREATE TRIGGER inquiries_no_delete BEFORE DELETE ON inquiries BEGIN SELECT RAISE(ABORT, 'inquiries is append-only'); END;
