-- A recommendation belongs to its topic.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: recommendations.topic_id -> topics.id
CREATE TABLE recommendations_new (
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
  updated_at DATETIME(6) NOT NULL,
  CONSTRAINT recommendations_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id)
);
INSERT INTO recommendations_new (id, topic_id, position, content, unit, contact, due_on, status, reason, overdue_notified_at, created_at, updated_at)
  SELECT id, topic_id, position, content, unit, contact, due_on, status, reason, overdue_notified_at, created_at, updated_at FROM recommendations;
DROP TABLE recommendations;
ALTER TABLE recommendations_new RENAME TO recommendations;
CREATE INDEX recommendations_topic ON recommendations (topic_id, position);
CREATE INDEX recommendations_due ON recommendations (status, due_on);
