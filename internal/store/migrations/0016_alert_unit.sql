-- An alert about one flat (repeated refusals, subject unit:ID:refusals)
-- names it, so that the alert list finds it by the flat's room label or
-- 不动产单元号 through the units' primary key instead of parsing subjects.
ALTER TABLE alerts ADD COLUMN unit_id BIGINT NOT NULL DEFAULT 0;
UPDATE alerts SET unit_id = CAST(substr(subject, 6, length(subject) - 14) AS BIGINT)
	WHERE kind = 'repeated_refusal' AND subject LIKE 'unit:%:refusals';
