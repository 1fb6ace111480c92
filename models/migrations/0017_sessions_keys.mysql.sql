-- A session belongs to its user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: sessions.user_id -> users.id
ALTER TABLE sessions
  ADD CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
