-- A membership joins a room that exists and a user who exists.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: memberships.room_id -> rooms.id
-- refuse orphans: memberships.user_id -> users.id
CREATE TABLE memberships_new (
  room_id VARCHAR(36) NOT NULL,
  user_id VARCHAR(36) NOT NULL,
  role VARCHAR(16) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (room_id, user_id),
  CONSTRAINT memberships_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id),
  CONSTRAINT memberships_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);
INSERT INTO memberships_new (room_id, user_id, role, created_at)
  SELECT room_id, user_id, role, created_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;
CREATE INDEX memberships_user ON memberships (user_id);
