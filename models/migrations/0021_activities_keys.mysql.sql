-- An activity belongs to a room, may belong to a topic, and was recorded by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: activities.room_id -> rooms.id
-- refuse orphans: activities.topic_id -> topics.id
-- refuse orphans: activities.created_by -> users.id
ALTER TABLE activities
  ADD CONSTRAINT activities_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id),
  ADD CONSTRAINT activities_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id),
  ADD CONSTRAINT activities_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id);
