-- A ticket for the event stream is issued to a user who exists.
-- A ticket of a missing user opens no stream: it is garbage, deleted first.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
DELETE FROM event_tickets WHERE user_id NOT IN (SELECT id FROM users);
CREATE TABLE event_tickets_new (
  nonce VARCHAR(64) NOT NULL PRIMARY KEY,
  user_id VARCHAR(36) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  CONSTRAINT event_tickets_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);
INSERT INTO event_tickets_new (nonce, user_id, expires_at)
  SELECT nonce, user_id, expires_at FROM event_tickets;
DROP TABLE event_tickets;
ALTER TABLE event_tickets_new RENAME TO event_tickets;
CREATE INDEX event_tickets_expires ON event_tickets (expires_at);
