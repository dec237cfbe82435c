-- A change to a row behind cached data moves its generation. Logins
-- update users' failure counters; those columns move nothing.
CREATE TRIGGER jurisdictions_gen_insert AFTER INSERT ON jurisdictions
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER jurisdictions_gen_update AFTER UPDATE ON jurisdictions
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER jurisdictions_gen_delete AFTER DELETE ON jurisdictions
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER organisations_gen_insert AFTER INSERT ON organisations
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER organisations_gen_update AFTER UPDATE ON organisations
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER organisations_gen_delete AFTER DELETE ON organisations
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER users_gen_insert AFTER INSERT ON users
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER users_gen_update AFTER UPDATE OF username, name, org_id, disabled, sessions_from ON users
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER users_gen_delete AFTER DELETE ON users
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER user_roles_gen_insert AFTER INSERT ON user_roles
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER user_roles_gen_update AFTER UPDATE ON user_roles
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER user_roles_gen_delete AFTER DELETE ON user_roles
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER api_tokens_gen_insert AFTER INSERT ON api_tokens
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER api_tokens_gen_update AFTER UPDATE OF user_id, token_hash, revoked_at ON api_tokens
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER api_tokens_gen_delete AFTER DELETE ON api_tokens
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'identity'; END;
CREATE TRIGGER calendar_notices_gen_insert AFTER INSERT ON calendar_notices
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'calendar'; END;
CREATE TRIGGER calendar_notices_gen_update AFTER UPDATE ON calendar_notices
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'calendar'; END;
CREATE TRIGGER calendar_notices_gen_delete AFTER DELETE ON calendar_notices
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'calendar'; END;
