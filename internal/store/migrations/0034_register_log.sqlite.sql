-- the register log is append-only (0034_register_log.sql).
CREATE TRIGGER log_leaves_append_only BEFORE UPDATE ON log_leaves BEGIN SELECT RAISE(ABORT, 'log_leaves is append-only'); END;
CREATE TRIGGER log_leaves_no_delete BEFORE DELETE ON log_leaves BEGIN SELECT RAISE(ABORT, 'log_leaves is append-only'); END;
CREATE TRIGGER log_nodes_append_only BEFORE UPDATE ON log_nodes BEGIN SELECT RAISE(ABORT, 'log_nodes is append-only'); END;
CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes BEGIN SELECT RAISE(ABORT, 'log_nodes is append-only'); END;
CREATE TRIGGER log_checkpoints_append_only BEFORE UPDATE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'log_checkpoints is append-only'); END;
CREATE TRIGGER log_checkpoints_no_delete BEFORE DELETE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'log_checkpoints is append-only'); END;
CREATE TRIGGER log_witnessed_append_only BEFORE UPDATE ON log_witnessed BEGIN SELECT RAISE(ABORT, 'log_witnessed is append-only'); END;
CREATE TRIGGER log_witnessed_no_delete BEFORE DELETE ON log_witnessed BEGIN SELECT RAISE(ABORT, 'log_witnessed is append-only'); END;
