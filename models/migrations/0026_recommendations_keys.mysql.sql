-- A recommendation belongs to its topic.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: recommendations.topic_id -> topics.id
ALTER TABLE recommendations
  ADD CONSTRAINT recommendations_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id);
