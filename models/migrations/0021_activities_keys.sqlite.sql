-- An activity belongs to a room, may belong to a topic, and was recorded by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: activities.room_id -> rooms.id
-- refuse orphans: activities.topic_id -> topics.id
-- refuse orphans: activities.created_by -> users.id
CREATE TABLE activities_new (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  room_id VARCHAR(36) NOT NULL,
  topic_id VARCHAR(36) NULL,
  kind VARCHAR(32) NOT NULL,
  held_at DATETIME(6) NOT NULL,
  place VARCHAR(500) NOT NULL DEFAULT '',
  attendees TEXT NOT NULL,
  summary TEXT NOT NULL,
  created_by VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT activities_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id),
  CONSTRAINT activities_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id),
  CONSTRAINT activities_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
);
INSERT INTO activities_new (id, room_id, topic_id, kind, held_at, place, attendees, summary, created_by, created_at)
  SELECT id, room_id, topic_id, kind, held_at, place, attendees, summary, created_by, created_at FROM activities;
DROP TABLE activities;
ALTER TABLE activities_new RENAME TO activities;
CREATE INDEX activities_room_held ON activities (room_id, held_at);
