-- The dashboard asks of every unit whether it has a live contract: the
-- partial unique index serves only the exact states of its predicate.
CREATE INDEX contracts_unit ON contracts (unit_id, state);
-- Handovers of a period.
CREATE INDEX handover_units_day ON handover_units (state, handed_over_on);
