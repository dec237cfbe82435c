-- Common parts (业主共有部分: 物业服务用房 and the like): the completion
-- survey marks the units that belong to all the owners, and first
-- registration records them as 业主共有 rather than the developer's, with
-- the flats' entries naming them. A unit marked so is never sold.
ALTER TABLE survey_units ADD COLUMN common_part TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN common_part TEXT NOT NULL DEFAULT '';
