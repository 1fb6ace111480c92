-- A refresh token belongs to its session and goes with it.
-- Rows that name a missing parent are deleted first: refresh tokens of a session that is gone can sign no one in.
DELETE FROM refresh_tokens WHERE session_id NOT IN (SELECT id FROM sessions);
ALTER TABLE refresh_tokens
  ADD CONSTRAINT refresh_tokens_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE;
