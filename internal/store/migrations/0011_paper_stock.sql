-- The stock of paper blanks (证书纸) of each registration authority: the
-- ranges of 印制序列号 it received, by whom and when. Append-only; the blanks
-- used and spoiled are rows of paper_blanks, which now name their range.
CREATE TABLE paper_ranges (
	id           {{ID}},
	jurisdiction TEXT NOT NULL,
	prefix       TEXT NOT NULL,
	first_no     BIGINT NOT NULL,
	last_no      BIGINT NOT NULL,
	digits       INTEGER NOT NULL,
	note         TEXT NOT NULL DEFAULT '',
	received_by  BIGINT NOT NULL,
	received_at  {{TIME}} NOT NULL,
	CHECK (first_no <= last_no)
);
CREATE INDEX paper_ranges_prefix ON paper_ranges (prefix, first_no);
CREATE INDEX paper_ranges_jurisdiction ON paper_ranges (jurisdiction, id);

-- One row per prefix, locked by a receipt: two receipts of overlapping
-- ranges cannot both pass the overlap check.
CREATE TABLE paper_prefixes (
	prefix TEXT PRIMARY KEY
);

ALTER TABLE paper_blanks ADD COLUMN range_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE paper_blanks ADD COLUMN number BIGINT NOT NULL DEFAULT 0;
CREATE INDEX paper_blanks_range ON paper_blanks (range_id, number);
CREATE INDEX paper_blanks_jurisdiction ON paper_blanks (jurisdiction, at);
-- A certificate is printed on one blank (the serial is the blank's key).
CREATE UNIQUE INDEX paper_blanks_certificate ON paper_blanks (certificate_id) WHERE state = 'used';
