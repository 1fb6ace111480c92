-- How far a user has read their notices belongs to a user who exists.
-- The mark of a missing user is garbage, deleted first.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
DELETE FROM event_reads WHERE user_id NOT IN (SELECT id FROM users);
CREATE TABLE event_reads_new (
  user_id VARCHAR(36) NOT NULL PRIMARY KEY,
  up_to_id BIGINT NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  CONSTRAINT event_reads_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);
INSERT INTO event_reads_new (user_id, up_to_id, updated_at)
  SELECT user_id, up_to_id, updated_at FROM event_reads;
DROP TABLE event_reads;
ALTER TABLE event_reads_new RENAME TO event_reads;
