CREATE TRIGGER service_steps_append_only BEFORE UPDATE ON service_steps BEGIN SELECT RAISE(ABORT, 'service_steps is append-only'); END;
CREATE TRIGGER service_steps_no_delete BEFORE DELETE ON service_steps BEGIN SELECT RAISE(ABORT, 'service_steps is append-only'); END;
CREATE TRIGGER parcel_restrictions_append_only BEFORE UPDATE ON parcel_restrictions BEGIN SELECT RAISE(ABORT, 'parcel_restrictions is append-only'); END;
CREATE TRIGGER parcel_restrictions_no_delete BEFORE DELETE ON parcel_restrictions BEGIN SELECT RAISE(ABORT, 'parcel_restrictions is append-only'); END;
CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates BEGIN SELECT RAISE(ABORT, 'certificates are never deleted'); END;
CREATE TRIGGER certificates_payload_fixed BEFORE UPDATE OF payload, cert_no, licence_id, entry_id ON certificates BEGIN SELECT RAISE(ABORT, 'a certificate''s content is never changed'); END;
CREATE TRIGGER paper_blanks_append_only BEFORE UPDATE ON paper_blanks BEGIN SELECT RAISE(ABORT, 'paper_blanks is append-only'); END;
