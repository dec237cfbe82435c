-- A flat blocked at a handover still had its keys handed over on the day:
-- the developer may not make the deed tax (or any registration matter) a
-- condition of handover (docs/domain.md §5.12), so a blocked flat is a flat
-- handed over without its certificate, a miss of 交房即交证. Its row now
-- carries the day, like a flat done, and "handed over" is one test:
-- handed_over_on <> ''.
--
-- Rows written before this rule get their event's day; a flat that is in
-- more than one event (blocked at one and scheduled again) is left as it
-- was, so that each flat has at most one day of handover.
UPDATE handover_units SET handed_over_on = (SELECT e.held_on FROM handover_events e WHERE e.id = handover_units.event_id)
	WHERE state = 'blocked' AND handed_over_on = ''
	AND NOT EXISTS (SELECT 1 FROM handover_units o WHERE o.unit_id = handover_units.unit_id AND o.event_id <> handover_units.event_id);

-- One handover day per flat, and the day's range read by the dashboard.
CREATE UNIQUE INDEX handover_units_keys ON handover_units (unit_id) WHERE handed_over_on <> '';
CREATE INDEX handover_units_handed ON handover_units (handed_over_on) WHERE handed_over_on <> '';
DROP INDEX handover_units_day;
