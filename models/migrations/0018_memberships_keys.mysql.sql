-- A membership joins a room that exists and a user who exists.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: memberships.room_id -> rooms.id
-- refuse orphans: memberships.user_id -> users.id
ALTER TABLE memberships
  ADD CONSTRAINT memberships_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id),
  ADD CONSTRAINT memberships_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
