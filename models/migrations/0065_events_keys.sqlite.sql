-- A notice is for a user who exists, or for everyone (recipient_id NULL).
-- A notice for a missing user reaches no one: it is garbage, deleted first.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- The new table carries the old one's sequence, so an id is never handed out twice (a stream
-- resumes by Last-Event-ID) even when retention has deleted every row.
DELETE FROM events WHERE recipient_id IS NOT NULL AND recipient_id NOT IN (SELECT id FROM users);
CREATE TABLE events_new (
  id {{ID_PK}},
  recipient_id VARCHAR(36) NULL,
  type VARCHAR(40) NOT NULL,
  payload TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT events_recipient_fk FOREIGN KEY (recipient_id) REFERENCES users (id)
);
INSERT INTO events_new (id, recipient_id, type, payload, created_at)
  SELECT id, recipient_id, type, payload, created_at FROM events;
DELETE FROM sqlite_sequence WHERE name = 'events_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'events_new', seq FROM sqlite_sequence WHERE name = 'events';
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_recipient ON events (recipient_id, id);
CREATE INDEX events_created ON events (created_at);
