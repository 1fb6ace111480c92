-- An outcome belongs to its topic and was published by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: outcomes.topic_id -> topics.id
-- refuse orphans: outcomes.created_by -> users.id
ALTER TABLE outcomes
  ADD CONSTRAINT outcomes_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id),
  ADD CONSTRAINT outcomes_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id);
