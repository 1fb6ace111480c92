-- A review decides on a topic and was made by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: reviews.topic_id -> topics.id
-- refuse orphans: reviews.reviewer_id -> users.id
ALTER TABLE reviews
  ADD CONSTRAINT reviews_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id),
  ADD CONSTRAINT reviews_reviewer_fk FOREIGN KEY (reviewer_id) REFERENCES users (id);
