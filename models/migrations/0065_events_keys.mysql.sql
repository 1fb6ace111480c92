-- A notice is for a user who exists, or for everyone (recipient_id NULL).
-- A notice for a missing user reaches no one: it is garbage, deleted first.
DELETE FROM events WHERE recipient_id IS NOT NULL AND recipient_id NOT IN (SELECT id FROM users);
ALTER TABLE events
  ADD CONSTRAINT events_recipient_fk FOREIGN KEY (recipient_id) REFERENCES users (id);
