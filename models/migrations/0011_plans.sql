-- The work plan (工作方案) of an approved topic. participants and schedule are JSON lists.
CREATE TABLE plans (
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
  updated_at DATETIME(6) NOT NULL
);
