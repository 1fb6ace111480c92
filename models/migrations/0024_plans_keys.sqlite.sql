-- A work plan belongs to its topic and was written by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: plans.topic_id -> topics.id
-- refuse orphans: plans.created_by -> users.id
CREATE TABLE plans_new (
  topic_id VARCHAR(36) NOT NULL PRIMARY KEY,
  theme VARCHAR(200) NOT NULL,
  participants TEXT NOT NULL,
  content TEXT NOT NULL,
  research_steps TEXT NOT NULL,
  schedule TEXT NOT NULL,
  meeting_procedure TEXT NOT NULL,
  transformation TEXT NOT NULL,
  lead VARCHAR(100) NOT NULL,
  created_by VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  CONSTRAINT plans_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id),
  CONSTRAINT plans_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
);
INSERT INTO plans_new (topic_id, theme, participants, content, research_steps, schedule, meeting_procedure, transformation, lead, created_by, created_at, updated_at)
  SELECT topic_id, theme, participants, content, research_steps, schedule, meeting_procedure, transformation, lead, created_by, created_at, updated_at FROM plans;
DROP TABLE plans;
ALTER TABLE plans_new RENAME TO plans;
