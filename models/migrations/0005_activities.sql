-- Activity records (活动记录) of a room; they feed the six-haves checklist and the yearly quota.
CREATE TABLE activities (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  room_id VARCHAR(36) NOT NULL,
  topic_id VARCHAR(36) NULL,
  kind VARCHAR(32) NOT NULL,
  held_at DATETIME(6) NOT NULL,
  place VARCHAR(500) NOT NULL DEFAULT '',
  attendees TEXT NOT NULL,
  summary TEXT NOT NULL,
  created_by VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL
);
CREATE INDEX activities_room_held ON activities (room_id, held_at);
