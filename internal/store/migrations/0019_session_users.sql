-- A page session names the user it is signed in as, and when that user
-- signed in: ending a user's sessions (a password reset, a change of
-- roles, disabling) deletes them and moves users.sessions_from, so that a
-- session of that user signed in before it is not found on any server,
-- even one a request in flight would write back.
ALTER TABLE sessions ADD COLUMN user_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN since {{TIME}};
CREATE INDEX sessions_user ON sessions (user_id);
ALTER TABLE users ADD COLUMN sessions_from {{TIME}};
