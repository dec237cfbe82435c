-- the register log is append-only (0034_register_log.sql).
CREATE TRIGGER log_leaves_append_only BEFORE UPDATE OR DELETE ON log_leaves FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER log_nodes_append_only BEFORE UPDATE OR DELETE ON log_nodes FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER log_checkpoints_append_only BEFORE UPDATE OR DELETE ON log_checkpoints FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER log_witnessed_append_only BEFORE UPDATE OR DELETE ON log_witnessed FOR EACH ROW EXECUTE FUNCTION append_only();
