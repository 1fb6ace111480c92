-- How far a user has read their notices belongs to a user who exists.
-- The mark of a missing user is garbage, deleted first.
DELETE FROM event_reads WHERE user_id NOT IN (SELECT id FROM users);
ALTER TABLE event_reads
  ADD CONSTRAINT event_reads_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
