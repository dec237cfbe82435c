-- The window's queue reads the open applications (a few hundred) among
-- every one ever taken (tens of thousands at a prefecture's volume): by
-- state first, so that a prefecture-wide queue, which names no
-- jurisdiction, does not scan every service.
CREATE INDEX applications_open ON applications (state, jurisdiction);
