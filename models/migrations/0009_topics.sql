CREATE TABLE topics (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  room_id VARCHAR(36) NOT NULL,
  title VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  source VARCHAR(16) NOT NULL,
  category VARCHAR(50) NOT NULL,
  status VARCHAR(16) NOT NULL,
  round INT NOT NULL DEFAULT 0,
  created_by VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL
);
CREATE INDEX topics_created ON topics (created_at, id);
CREATE INDEX topics_room ON topics (room_id, created_at, id);
CREATE INDEX topics_status ON topics (status, created_at, id);
-- One decision per body per round: the unique key, not a read-then-write check, is what
-- makes two reviewers of the same body deciding at once end with exactly one decision.
CREATE TABLE reviews (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  topic_id VARCHAR(36) NOT NULL,
  round INT NOT NULL,
  body VARCHAR(16) NOT NULL,
  reviewer_id VARCHAR(36) NOT NULL,
  decision VARCHAR(16) NOT NULL,
  comment TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT reviews_one_per_body UNIQUE (topic_id, round, body)
);
CREATE TABLE topic_history (
  id {{ID_PK}},
  topic_id VARCHAR(36) NOT NULL,
  at DATETIME(6) NOT NULL,
  actor_id VARCHAR(36) NOT NULL,
  action VARCHAR(32) NOT NULL,
  from_status VARCHAR(16) NOT NULL,
  to_status VARCHAR(16) NOT NULL,
  round INT NOT NULL
);
CREATE INDEX topic_history_topic ON topic_history (topic_id, id);
