-- The natural-resources bureau confirms a parcel's land facts (its
-- 国有建设用地使用权 certificate number and the land premium paid in full):
-- the presale check reads the confirmation, not the developer's word. A
-- change of those facts by the developer voids it. Parcels recorded before
-- this rule wait for the bureau's confirmation before their next presale
-- permit.
ALTER TABLE parcels ADD COLUMN land_confirmed_by BIGINT NOT NULL DEFAULT 0;
ALTER TABLE parcels ADD COLUMN land_confirmed_at {{TIME}};
