-- A session is a sign-in of a user who exists. (Users are never deleted, only disabled, so the
-- key needs no action on delete.)
-- A session of a missing user signs no one in: it is garbage, deleted first with its refresh
-- tokens.
DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id NOT IN (SELECT id FROM users));
DELETE FROM sessions WHERE user_id NOT IN (SELECT id FROM users);
ALTER TABLE sessions
  ADD CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
