-- A lease names its holder: a job's heartbeat, and a delivery's renewal
-- before it is sent, extend the lease only while the holder still has it,
-- so that work another server took over after a crash is never finished,
-- rescheduled or sent a second time by the server that lost it.
ALTER TABLE jobs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
