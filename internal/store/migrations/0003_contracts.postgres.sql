CREATE TRIGGER register_entries_append_only BEFORE UPDATE OR DELETE ON register_entries FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER register_holders_append_only BEFORE UPDATE OR DELETE ON register_holders FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER fund_payments_append_only BEFORE UPDATE OR DELETE ON fund_payments FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER project_milestones_append_only BEFORE UPDATE OR DELETE ON project_milestones FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER filing_materials_append_only BEFORE UPDATE OR DELETE ON filing_materials FOR EACH ROW EXECUTE FUNCTION append_only();
