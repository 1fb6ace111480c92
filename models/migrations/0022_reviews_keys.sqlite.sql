-- A review decides on a topic and was made by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: reviews.topic_id -> topics.id
-- refuse orphans: reviews.reviewer_id -> users.id
CREATE TABLE reviews_new (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  topic_id VARCHAR(36) NOT NULL,
  round INT NOT NULL,
  body VARCHAR(16) NOT NULL,
  reviewer_id VARCHAR(36) NOT NULL,
  decision VARCHAR(16) NOT NULL,
  comment TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT reviews_one_per_body UNIQUE (topic_id, round, body),
  CONSTRAINT reviews_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id),
  CONSTRAINT reviews_reviewer_fk FOREIGN KEY (reviewer_id) REFERENCES users (id)
);
INSERT INTO reviews_new (id, topic_id, round, body, reviewer_id, decision, comment, created_at)
  SELECT id, topic_id, round, body, reviewer_id, decision, comment, created_at FROM reviews;
DROP TABLE reviews;
ALTER TABLE reviews_new RENAME TO reviews;
