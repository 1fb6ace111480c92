-- Web Push subscriptions: one row per browser (its endpoint), kept for the sign-in that
-- made it, with the kinds of notice its user wants pushed. after_id is how far in the events
-- outbox this device has been served; lease_owner/lease_until let one instance at a time
-- send to it, and retry_at/failures hold it back after a failed attempt.
CREATE TABLE push_subscriptions (
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
  CONSTRAINT push_subscriptions_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
