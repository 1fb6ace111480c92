-- How far each outside channel (an SMS or WeChat gateway) has read the events outbox, with
-- the lease that lets one instance at a time send its notices.
CREATE TABLE notify_cursors (
  id VARCHAR(40) NOT NULL PRIMARY KEY,
  after_id BIGINT NOT NULL,
  failures INT NOT NULL DEFAULT 0,
  retry_at DATETIME(6) NOT NULL,
  lease_owner VARCHAR(36) NOT NULL DEFAULT '',
  lease_until DATETIME(6) NOT NULL
);
