-- Generations: one counter per kind of data a server keeps in memory
-- (who a user or token is; the working-day calendar). A trigger moves the
-- counter whenever a row behind that data changes, whoever changes it —
-- this server, another server on the same database, the command line, or
-- an operator's SQL — and every server watches the counters to drop what
-- it holds (store/generations.go).
CREATE TABLE generations (
	name TEXT PRIMARY KEY,
	gen  BIGINT NOT NULL DEFAULT 0
);
INSERT INTO generations (name, gen) VALUES ('identity', 0), ('calendar', 0);

-- The calendar is now reloaded on every server when its generation moves,
-- not by a periodic job that only one server ran.
DELETE FROM jobs WHERE kind = 'calendar.reload' AND done_at IS NULL;
