-- An outcome belongs to its topic and was published by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: outcomes.topic_id -> topics.id
-- refuse orphans: outcomes.created_by -> users.id
CREATE TABLE outcomes_new (
  topic_id VARCHAR(36) NOT NULL PRIMARY KEY,
  consensus TEXT NOT NULL,
  created_by VARCHAR(36) NOT NULL,
  published_at DATETIME(6) NOT NULL,
  CONSTRAINT outcomes_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id),
  CONSTRAINT outcomes_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
);
INSERT INTO outcomes_new (topic_id, consensus, created_by, published_at)
  SELECT topic_id, consensus, created_by, published_at FROM outcomes;
DROP TABLE outcomes;
ALTER TABLE outcomes_new RENAME TO outcomes;
