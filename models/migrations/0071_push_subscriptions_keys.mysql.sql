-- A push subscription is kept for the sign-in that made it, and goes with it (sessions are
-- only revoked today, but a session deleted must not leave a device pushed to).
-- A subscription of a missing sign-in is garbage, deleted first.
DELETE FROM push_subscriptions WHERE session_id NOT IN (SELECT id FROM sessions);
ALTER TABLE push_subscriptions
  ADD INDEX push_subscriptions_session (session_id),
  ADD CONSTRAINT push_subscriptions_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE;
