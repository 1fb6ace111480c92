-- A push subscription is kept for the sign-in that made it, and goes with it (sessions are
-- only revoked today, but a session deleted must not leave a device pushed to).
-- A subscription of a missing sign-in is garbage, deleted first.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- The index on session_id serves the cascade.
DELETE FROM push_subscriptions WHERE session_id NOT IN (SELECT id FROM sessions);
CREATE TABLE push_subscriptions_new (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  user_id VARCHAR(36) NOT NULL,
  session_id VARCHAR(36) NOT NULL,
  endpoint VARCHAR(1024) NOT NULL,
  p256dh VARCHAR(100) NOT NULL,
  auth VARCHAR(40) NOT NULL,
  kinds VARCHAR(500) NOT NULL,
  after_id BIGINT NOT NULL,
  failures INT NOT NULL DEFAULT 0,
  retry_at DATETIME(6) NOT NULL,
  lease_owner VARCHAR(36) NOT NULL DEFAULT '',
  lease_until DATETIME(6) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  CONSTRAINT push_subscriptions_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT push_subscriptions_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE
);
INSERT INTO push_subscriptions_new (id, user_id, session_id, endpoint, p256dh, auth, kinds, after_id, failures,
    retry_at, lease_owner, lease_until, created_at, updated_at)
  SELECT id, user_id, session_id, endpoint, p256dh, auth, kinds, after_id, failures,
    retry_at, lease_owner, lease_until, created_at, updated_at FROM push_subscriptions;
DROP TABLE push_subscriptions;
ALTER TABLE push_subscriptions_new RENAME TO push_subscriptions;
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
CREATE INDEX push_subscriptions_session ON push_subscriptions (session_id);
