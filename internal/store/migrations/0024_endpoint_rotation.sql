-- A partner endpoint's secret can be rotated: the secret a rotation
-- replaced keeps signing deliveries, beside the new one, until
-- previous_until (the changeover window), and is ignored after it.
ALTER TABLE partner_endpoints ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE partner_endpoints ADD COLUMN previous_until {{TIME}};
