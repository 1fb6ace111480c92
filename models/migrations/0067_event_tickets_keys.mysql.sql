-- A ticket for the event stream is issued to a user who exists.
-- A ticket of a missing user opens no stream: it is garbage, deleted first.
DELETE FROM event_tickets WHERE user_id NOT IN (SELECT id FROM users);
ALTER TABLE event_tickets
  ADD CONSTRAINT event_tickets_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
