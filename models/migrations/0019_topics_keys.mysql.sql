-- A topic belongs to a room and was drafted by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: topics.room_id -> rooms.id
-- refuse orphans: topics.created_by -> users.id
ALTER TABLE topics
  ADD CONSTRAINT topics_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id),
  ADD CONSTRAINT topics_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id);
