-- Lookups the registration steps and the handover batch make per unit:
-- the entries and certificates a service recorded, a unit's utility
-- requests and handover outcomes, a handover's applications.
CREATE INDEX register_entries_service ON register_entries (service_id);
CREATE INDEX certificates_entry ON certificates (entry_id);
CREATE INDEX certificates_service ON certificates (service_id);
CREATE INDEX utility_requests_unit ON utility_requests (unit_id);
CREATE INDEX handover_units_unit ON handover_units (unit_id);
CREATE INDEX handover_units_application ON handover_units (event_id, application_id);
CREATE INDEX deed_taxes_unit ON deed_taxes (unit_id);
