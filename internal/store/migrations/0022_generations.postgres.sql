-- A change to a row behind cached data moves its generation and tells
-- the servers listening on handover_generations (delivered at commit; a
-- notification only wakes a server to read the table, so one from another
-- schema on the same database costs a read and nothing else). Logins
-- update users' failure counters; those columns move nothing.
CREATE FUNCTION bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE generations SET gen = gen + 1 WHERE name = TG_ARGV[0];
	PERFORM pg_notify('handover_generations', TG_ARGV[0]);
	RETURN NULL;
END;
$$;
CREATE TRIGGER jurisdictions_gen AFTER INSERT OR UPDATE OR DELETE ON jurisdictions
FOR EACH STATEMENT EXECUTE FUNCTION bump_generation('identity');
CREATE TRIGGER organisations_gen AFTER INSERT OR UPDATE OR DELETE ON organisations
FOR EACH STATEMENT EXECUTE FUNCTION bump_generation('identity');
CREATE TRIGGER users_gen AFTER INSERT OR UPDATE OF username, name, org_id, disabled, sessions_from OR DELETE ON users
FOR EACH STATEMENT EXECUTE FUNCTION bump_generation('identity');
CREATE TRIGGER user_roles_gen AFTER INSERT OR UPDATE OR DELETE ON user_roles
FOR EACH STATEMENT EXECUTE FUNCTION bump_generation('identity');
CREATE TRIGGER api_tokens_gen AFTER INSERT OR UPDATE OF user_id, token_hash, revoked_at OR DELETE ON api_tokens
FOR EACH STATEMENT EXECUTE FUNCTION bump_generation('identity');
CREATE TRIGGER calendar_notices_gen AFTER INSERT OR UPDATE OR DELETE ON calendar_notices
FOR EACH STATEMENT EXECUTE FUNCTION bump_generation('calendar');
