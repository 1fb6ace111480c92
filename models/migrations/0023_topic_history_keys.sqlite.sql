-- A step of a topic's history belongs to the topic. (Its actor may be "system", so actor_id
-- has no key.)
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: topic_history.topic_id -> topics.id
CREATE TABLE topic_history_new (
  id {{ID_PK}},
  topic_id VARCHAR(36) NOT NULL,
  at DATETIME(6) NOT NULL,
  actor_id VARCHAR(36) NOT NULL,
  action VARCHAR(32) NOT NULL,
  from_status VARCHAR(16) NOT NULL,
  to_status VARCHAR(16) NOT NULL,
  round INT NOT NULL,
  CONSTRAINT topic_history_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id)
);
INSERT INTO topic_history_new (id, topic_id, at, actor_id, action, from_status, to_status, round)
  SELECT id, topic_id, at, actor_id, action, from_status, to_status, round FROM topic_history;
DROP TABLE topic_history;
ALTER TABLE topic_history_new RENAME TO topic_history;
CREATE INDEX topic_history_topic ON topic_history (topic_id, id);
