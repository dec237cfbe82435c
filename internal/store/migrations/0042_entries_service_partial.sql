-- Only the entries a registration service records carry its id; a
-- contract's pre-notice and pre-mortgage, a seal and every entry written
-- outside a service carry 0. Indexing those 0s cost every filing a page
-- of this index in its commit (two entries, one B-tree more) and served
-- no query: the one reader looks a service's entries up by its id, and
-- says service_id <> 0 so that both engines see the index serves it.
DROP INDEX register_entries_service;
CREATE INDEX register_entries_service ON register_entries (service_id) WHERE service_id <> 0;
