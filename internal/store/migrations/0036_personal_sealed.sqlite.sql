-- The append-only tables that hold personal information let its sealed
-- columns alone be rewritten, so that a key rotation can re-seal them
-- (handover personal rotate): a sealed value opens only under the
-- platform's key and only in its own row, and the register log's leaves
-- commit to the opened values, so a value changed here is found by
-- handover audit verify. Every other column stays append-only; a column
-- added to these tables must be added to these lists
-- (TestSealedColumnsAloneRewritable checks every column).
DROP TRIGGER register_entries_append_only;
CREATE TRIGGER register_entries_append_only BEFORE UPDATE OF id, unit_id, kind, reg_type, right_type, prenotice_kind, ownership,
	obligor_name, amount, cert_no, contract_id, ends_entry, end_kind, note, recorded_by, recorded_at, term_start, term_end,
	mortgage_rank, no_transfer, authority, doc_no, seal_kind, waiting, service_id
	ON register_entries BEGIN SELECT RAISE(ABORT, 'register_entries is append-only'); END;
DROP TRIGGER register_holders_append_only;
CREATE TRIGGER register_holders_append_only BEFORE UPDATE OF entry_id, seq, name, id_kind, share_num, share_den
	ON register_holders BEGIN SELECT RAISE(ABORT, 'register_holders is append-only'); END;
DROP TRIGGER filing_materials_append_only;
CREATE TRIGGER filing_materials_append_only BEFORE UPDATE OF id, contract_id, kind, sm3, recorded_at
	ON filing_materials BEGIN SELECT RAISE(ABORT, 'filing_materials is append-only'); END;
DROP TRIGGER inquiries_append_only;
CREATE TRIGGER inquiries_append_only BEFORE UPDATE OF id, number, jurisdiction, unit_id, requester, name, org, purpose, basis, basis_no,
	by_kind, lookup_key, channel, disclosed_entry, signature, key_id, queried_by, queried_at
	ON inquiries BEGIN SELECT RAISE(ABORT, 'inquiries is append-only'); END;
-- A certificate's payload is fixed by its signature, checked on every
-- view, and by its sealing, bound to its number: it may be re-sealed.
DROP TRIGGER certificates_payload_fixed;
CREATE TRIGGER certificates_payload_fixed BEFORE UPDATE OF cert_no, licence_id, entry_id ON certificates
	BEGIN SELECT RAISE(ABORT, 'a certificate''s content is never changed'); END;
-- A sealed column takes a sealed value only.
CREATE TRIGGER register_entries_sealed BEFORE UPDATE OF obligor_id ON register_entries
	WHEN NEW.obligor_id <> '' AND NEW.obligor_id NOT LIKE 'pi1:%'
	BEGIN SELECT RAISE(ABORT, 'register_entries.obligor_id is rewritten only sealed'); END;
CREATE TRIGGER register_holders_sealed BEFORE UPDATE OF id_number ON register_holders
	WHEN NEW.id_number <> '' AND NEW.id_number NOT LIKE 'pi1:%'
	BEGIN SELECT RAISE(ABORT, 'register_holders.id_number is rewritten only sealed'); END;
CREATE TRIGGER filing_materials_sealed BEFORE UPDATE OF content ON filing_materials
	WHEN NEW.content <> '' AND NEW.content NOT LIKE 'pi1:%'
	BEGIN SELECT RAISE(ABORT, 'filing_materials.content is rewritten only sealed'); END;
CREATE TRIGGER inquiries_sealed BEFORE UPDATE OF id_number, payload ON inquiries
	WHEN (NEW.id_number <> '' AND NEW.id_number NOT LIKE 'pi1:%') OR (NEW.payload <> '' AND NEW.payload NOT LIKE 'pi1:%')
	BEGIN SELECT RAISE(ABORT, 'inquiries is rewritten only sealed'); END;
CREATE TRIGGER certificates_sealed BEFORE UPDATE OF payload ON certificates
	WHEN NEW.payload <> '' AND NEW.payload NOT LIKE 'pi1:%'
	BEGIN SELECT RAISE(ABORT, 'certificates.payload is rewritten only sealed'); END;
-- A blind index changes only with the number it indexes, never alone.
CREATE TRIGGER register_holders_index BEFORE UPDATE OF id_index ON register_holders
	WHEN NEW.id_index IS NOT OLD.id_index AND NEW.id_number IS OLD.id_number
	BEGIN SELECT RAISE(ABORT, 'register_holders.id_index changes only with the number it indexes'); END;
CREATE TRIGGER inquiries_index BEFORE UPDATE OF id_index ON inquiries
	WHEN NEW.id_index IS NOT OLD.id_index AND NEW.id_number IS OLD.id_number
	BEGIN SELECT RAISE(ABORT, 'inquiries.id_index changes only with the number it indexes'); END;
