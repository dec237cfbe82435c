-- Sessions written before 0019 name no user, so ending a user's sessions
-- could not find them: sign everyone in again once.
DELETE FROM sessions WHERE user_id = 0;
