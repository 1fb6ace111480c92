-- The written outcome (协商成果) of a topic and its recommendations (意见建议), each tracked
-- until done or not adopted.
CREATE TABLE outcomes (
  topic_id VARCHAR(36) NOT NULL PRIMARY KEY,
  consensus TEXT NOT NULL,
  created_by VARCHAR(36) NOT NULL,
  published_at DATETIME(6) NOT NULL
);
CREATE TABLE recommendations (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  topic_id VARCHAR(36) NOT NULL,
  position INT NOT NULL,
  content TEXT NOT NULL,
  unit VARCHAR(100) NOT NULL,
  contact VARCHAR(100) NOT NULL DEFAULT '',
  due_on DATE NOT NULL,
  status VARCHAR(16) NOT NULL,
  reason VARCHAR(500) NOT NULL DEFAULT '',
  overdue_notified_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL
);
CREATE INDEX recommendations_topic ON recommendations (topic_id, position);
CREATE INDEX recommendations_due ON recommendations (status, due_on);
CREATE TABLE progress_notes (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  recommendation_id VARCHAR(36) NOT NULL,
  from_status VARCHAR(16) NOT NULL,
  to_status VARCHAR(16) NOT NULL,
  note TEXT NOT NULL,
  created_by VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL
);
CREATE INDEX progress_notes_rec ON progress_notes (recommendation_id, created_at);
