-- A work plan belongs to its topic and was written by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: plans.topic_id -> topics.id
-- refuse orphans: plans.created_by -> users.id
ALTER TABLE plans
  ADD CONSTRAINT plans_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id),
  ADD CONSTRAINT plans_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id);
