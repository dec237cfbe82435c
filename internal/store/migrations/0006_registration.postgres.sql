CREATE TRIGGER service_steps_append_only BEFORE UPDATE OR DELETE ON service_steps FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER parcel_restrictions_append_only BEFORE UPDATE OR DELETE ON parcel_restrictions FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER paper_blanks_append_only BEFORE UPDATE OR DELETE ON paper_blanks FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE FUNCTION certificate_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'certificates are never deleted'; END IF;
	IF NEW.payload <> OLD.payload OR NEW.cert_no <> OLD.cert_no OR NEW.licence_id <> OLD.licence_id OR NEW.entry_id <> OLD.entry_id THEN
		RAISE EXCEPTION 'a certificate''s content is never changed';
	END IF;
	RETURN NEW;
END; $$;
CREATE TRIGGER certificates_fixed BEFORE UPDATE OR DELETE ON certificates FOR EACH ROW EXECUTE FUNCTION certificate_fixed();
