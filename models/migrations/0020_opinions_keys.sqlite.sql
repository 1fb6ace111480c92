-- An opinion belongs to a room, was collected by a user, and may feed a topic.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: opinions.room_id -> rooms.id
-- refuse orphans: opinions.collector_id -> users.id
-- refuse orphans: opinions.topic_id -> topics.id
CREATE TABLE opinions_new (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  room_id VARCHAR(36) NOT NULL,
  collector_id VARCHAR(36) NOT NULL,
  channel VARCHAR(16) NOT NULL,
  category VARCHAR(50) NOT NULL,
  content TEXT NOT NULL,
  resident_name VARCHAR(50) NOT NULL DEFAULT '',
  resident_phone VARCHAR(20) NOT NULL DEFAULT '',
  resident_consent BOOLEAN NOT NULL DEFAULT FALSE,
  address VARCHAR(200) NOT NULL DEFAULT '',
  lat DOUBLE NULL,
  lng DOUBLE NULL,
  collected_at DATETIME(6) NOT NULL,
  status VARCHAR(16) NOT NULL,
  status_reason VARCHAR(500) NOT NULL DEFAULT '',
  topic_id VARCHAR(36) NULL,
  receipt_code CHAR(8) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  CONSTRAINT opinions_receipt UNIQUE (receipt_code),
  CONSTRAINT opinions_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id),
  CONSTRAINT opinions_collector_fk FOREIGN KEY (collector_id) REFERENCES users (id),
  CONSTRAINT opinions_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id)
);
INSERT INTO opinions_new (id, room_id, collector_id, channel, category, content, resident_name, resident_phone, resident_consent, address, lat, lng, collected_at, status, status_reason, topic_id, receipt_code, created_at, updated_at)
  SELECT id, room_id, collector_id, channel, category, content, resident_name, resident_phone, resident_consent, address, lat, lng, collected_at, status, status_reason, topic_id, receipt_code, created_at, updated_at FROM opinions;
DROP TABLE opinions;
ALTER TABLE opinions_new RENAME TO opinions;
CREATE INDEX opinions_created ON opinions (created_at, id);
CREATE INDEX opinions_room ON opinions (room_id, created_at, id);
CREATE INDEX opinions_collector ON opinions (collector_id, created_at, id);
CREATE INDEX opinions_status ON opinions (status, created_at);
CREATE INDEX opinions_topic ON opinions (topic_id);
CREATE INDEX opinions_stats ON opinions (created_at, collector_id, status, channel, category);
