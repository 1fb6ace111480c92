CREATE TABLE rooms (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  level VARCHAR(16) NOT NULL,
  address VARCHAR(500) NOT NULL DEFAULT '',
  lat DOUBLE NULL,
  lng DOUBLE NULL,
  has_door_plate BOOLEAN NOT NULL DEFAULT FALSE,
  rules TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL
);
CREATE INDEX rooms_created ON rooms (created_at, id);
CREATE TABLE memberships (
  room_id VARCHAR(36) NOT NULL,
  user_id VARCHAR(36) NOT NULL,
  role VARCHAR(16) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (room_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);
