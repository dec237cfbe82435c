-- One 完税凭证 proves the deed tax of one contract (《契税法》第十一条:
-- the registration office checks the voucher before it registers). The
-- payments workbook refused a voucher named on two of its rows, but the
-- page and the API took a voucher already recorded for another contract,
-- so one payment could carry two flats to registration. The store refuses
-- it (tax.voucher_used); this index is what makes that hold when two
-- payments with one voucher are recorded at once, and is the index the
-- store's check reads. An unpaid assessment's voucher is empty.
CREATE UNIQUE INDEX deed_taxes_voucher ON deed_taxes (voucher) WHERE voucher <> '';
