-- A handover event stays with the project it was scheduled for. The
-- handover tallies (0041) count each handed-over flat under its event's
-- project, and their triggers move a count when a flat's handover or
-- building changes, not when an event's project does; no path changes it,
-- and the engine parts below refuse any statement that would.
SELECT 1;
