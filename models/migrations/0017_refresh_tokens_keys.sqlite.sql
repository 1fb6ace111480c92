-- A refresh token belongs to its session and goes with it.
-- Rows that name a missing parent are deleted first: refresh tokens of a session that is gone can sign no one in.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
DELETE FROM refresh_tokens WHERE session_id NOT IN (SELECT id FROM sessions);
CREATE TABLE refresh_tokens_new (
  hash CHAR(64) NOT NULL PRIMARY KEY,
  session_id VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  used_at DATETIME(6) NULL,
  CONSTRAINT refresh_tokens_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE
);
INSERT INTO refresh_tokens_new (hash, session_id, created_at, expires_at, used_at)
  SELECT hash, session_id, created_at, expires_at, used_at FROM refresh_tokens;
DROP TABLE refresh_tokens;
ALTER TABLE refresh_tokens_new RENAME TO refresh_tokens;
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
