-- One flat, one truth: the last line of defence behind the per-unit lock
-- (store.lockUnits) and the rules.
--
-- One open application per unit and matter (registry.ServiceKind.OneOpenPerUnit):
-- a first registration, a transfer, a buyer's mortgage under a contract.
CREATE UNIQUE INDEX services_open ON services (kind, unit_id, building_id, contract_id)
	WHERE state IN ('accepted', 'returned', 'reviewed', 'approved')
	AND (kind IN ('first', 'transfer') OR (kind = 'mortgage' AND contract_id <> 0));

-- One first registration per unit, one transfer and one loan mortgage per
-- sale contract in the register book (a 更正, reg_type 500, copies the entry
-- it corrects and is not counted). The rules refuse each of these first
-- (first.done, transfer.done, mortgage.done); the indexes stand behind them.
CREATE UNIQUE INDEX register_first_once ON register_entries (unit_id) WHERE kind = 'ownership' AND reg_type = 100;
CREATE UNIQUE INDEX register_transfer_once ON register_entries (contract_id) WHERE kind = 'ownership' AND reg_type = 200 AND contract_id IS NOT NULL;
CREATE UNIQUE INDEX register_mortgage_once ON register_entries (contract_id) WHERE kind = 'mortgage' AND reg_type <> 500 AND contract_id IS NOT NULL;
