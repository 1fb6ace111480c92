-- A step of a topic's history belongs to the topic. (Its actor may be "system", so actor_id
-- has no key.)
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: topic_history.topic_id -> topics.id
ALTER TABLE topic_history
  ADD CONSTRAINT topic_history_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id);
