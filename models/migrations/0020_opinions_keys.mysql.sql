-- An opinion belongs to a room, was collected by a user, and may feed a topic.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: opinions.room_id -> rooms.id
-- refuse orphans: opinions.collector_id -> users.id
-- refuse orphans: opinions.topic_id -> topics.id
ALTER TABLE opinions
  ADD CONSTRAINT opinions_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id),
  ADD CONSTRAINT opinions_collector_fk FOREIGN KEY (collector_id) REFERENCES users (id),
  ADD CONSTRAINT opinions_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id);
