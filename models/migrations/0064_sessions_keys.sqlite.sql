-- A session is a sign-in of a user who exists. (Users are never deleted, only disabled, so the
-- key needs no action on delete.)
-- A session of a missing user signs no one in: it is garbage, deleted first with its refresh
-- tokens.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id NOT IN (SELECT id FROM users));
DELETE FROM sessions WHERE user_id NOT IN (SELECT id FROM users);
CREATE TABLE sessions_new (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  user_id VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  revoked_at DATETIME(6) NULL,
  CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);
INSERT INTO sessions_new (id, user_id, created_at, expires_at, revoked_at)
  SELECT id, user_id, created_at, expires_at, revoked_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_user ON sessions (user_id);
