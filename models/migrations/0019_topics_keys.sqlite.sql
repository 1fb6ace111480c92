-- A topic belongs to a room and was drafted by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: topics.room_id -> rooms.id
-- refuse orphans: topics.created_by -> users.id
CREATE TABLE topics_new (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  room_id VARCHAR(36) NOT NULL,
  title VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  source VARCHAR(16) NOT NULL,
  category VARCHAR(50) NOT NULL,
  status VARCHAR(16) NOT NULL,
  round INT NOT NULL DEFAULT 0,
  created_by VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  CONSTRAINT topics_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id),
  CONSTRAINT topics_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
);
INSERT INTO topics_new (id, room_id, title, description, source, category, status, round, created_by, created_at, updated_at)
  SELECT id, room_id, title, description, source, category, status, round, created_by, created_at, updated_at FROM topics;
DROP TABLE topics;
ALTER TABLE topics_new RENAME TO topics;
CREATE INDEX topics_created ON topics (created_at, id);
CREATE INDEX topics_room ON topics (room_id, created_at, id);
CREATE INDEX topics_status ON topics (status, created_at, id);
