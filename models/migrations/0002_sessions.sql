-- A session is one login; every refresh token it hands out belongs to it, so reuse of a spent
-- refresh token can revoke the whole login at once.
CREATE TABLE sessions (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  user_id VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  revoked_at DATETIME(6) NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE refresh_tokens (
  hash CHAR(64) NOT NULL PRIMARY KEY,
  session_id VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  used_at DATETIME(6) NULL
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
