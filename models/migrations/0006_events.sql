-- The outbox of notices. A row is written in the same transaction as the change that raised
-- it; its id is the SSE event id. recipient_id NULL means every user (an announcement to all).
CREATE TABLE events (
  id {{ID_PK}},
  recipient_id VARCHAR(36) NULL,
  type VARCHAR(40) NOT NULL,
  payload TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL
);
CREATE INDEX events_recipient ON events (recipient_id, id);
CREATE INDEX events_created ON events (created_at);
-- How far each user has read their notices: everything with an id at or below up_to_id.
CREATE TABLE event_reads (
  user_id VARCHAR(36) NOT NULL PRIMARY KEY,
  up_to_id BIGINT NOT NULL,
  updated_at DATETIME(6) NOT NULL
);
