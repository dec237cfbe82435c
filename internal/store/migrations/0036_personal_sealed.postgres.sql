-- The append-only tables that hold personal information let its sealed
-- columns alone be rewritten, so that a key rotation can re-seal them
-- (handover personal rotate): a sealed value opens only under the
-- platform's key and only in its own row, and the register log's leaves
-- commit to the opened values, so a value changed here is found by
-- handover audit verify. The trigger's arguments name the sealed
-- columns; every other column, present or added later, stays
-- append-only.
CREATE FUNCTION append_only_but_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	col TEXT;
	val TEXT;
BEGIN
	IF TG_OP = 'DELETE' OR (to_jsonb(OLD) - TG_ARGV) IS DISTINCT FROM (to_jsonb(NEW) - TG_ARGV) THEN
		RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
	END IF;
	-- A sealed column takes a sealed value only; its blind index changes
	-- only with the number it indexes (the first sealing of a database
	-- from before), never alone.
	FOREACH col IN ARRAY TG_ARGV LOOP
		val := to_jsonb(NEW) ->> col;
		IF col LIKE '%\_index' THEN
			IF val IS DISTINCT FROM (to_jsonb(OLD) ->> col) AND (to_jsonb(NEW) ->> 'id_number') IS NOT DISTINCT FROM (to_jsonb(OLD) ->> 'id_number') THEN
				RAISE EXCEPTION '%.% changes only with the number it indexes', TG_TABLE_NAME, col;
			END IF;
		ELSIF val <> '' AND val NOT LIKE 'pi1:%' THEN
			RAISE EXCEPTION '%.% is rewritten only sealed', TG_TABLE_NAME, col;
		END IF;
	END LOOP;
	RETURN NEW;
END;
$$;
DROP TRIGGER register_entries_append_only ON register_entries;
CREATE TRIGGER register_entries_append_only BEFORE UPDATE OR DELETE ON register_entries
	FOR EACH ROW EXECUTE FUNCTION append_only_but_sealed('obligor_id');
DROP TRIGGER register_holders_append_only ON register_holders;
CREATE TRIGGER register_holders_append_only BEFORE UPDATE OR DELETE ON register_holders
	FOR EACH ROW EXECUTE FUNCTION append_only_but_sealed('id_number', 'id_index');
DROP TRIGGER filing_materials_append_only ON filing_materials;
CREATE TRIGGER filing_materials_append_only BEFORE UPDATE OR DELETE ON filing_materials
	FOR EACH ROW EXECUTE FUNCTION append_only_but_sealed('content');
DROP TRIGGER inquiries_append_only ON inquiries;
CREATE TRIGGER inquiries_append_only BEFORE UPDATE OR DELETE ON inquiries
	FOR EACH ROW EXECUTE FUNCTION append_only_but_sealed('id_number', 'id_index', 'payload');
-- A certificate's payload is fixed by its signature, checked on every
-- view, and by its sealing, bound to its number: it may be re-sealed.
CREATE OR REPLACE FUNCTION certificate_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'certificates are never deleted'; END IF;
	IF NEW.cert_no <> OLD.cert_no OR NEW.licence_id <> OLD.licence_id OR NEW.entry_id <> OLD.entry_id THEN
		RAISE EXCEPTION 'a certificate''s content is never changed';
	END IF;
	IF NEW.payload <> OLD.payload AND NEW.payload NOT LIKE 'pi1:%' THEN
		RAISE EXCEPTION 'certificates.payload is rewritten only sealed';
	END IF;
	RETURN NEW;
END; $$;
