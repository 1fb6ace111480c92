CREATE TABLE opinions (
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
  CONSTRAINT opinions_receipt UNIQUE (receipt_code)
);
CREATE INDEX opinions_created ON opinions (created_at, id);
CREATE INDEX opinions_room ON opinions (room_id, created_at, id);
CREATE INDEX opinions_collector ON opinions (collector_id, created_at, id);
CREATE INDEX opinions_status ON opinions (status, created_at);
CREATE INDEX opinions_topic ON opinions (topic_id);
