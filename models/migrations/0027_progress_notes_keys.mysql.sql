-- A progress note belongs to its recommendation and was written by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: progress_notes.recommendation_id -> recommendations.id
-- refuse orphans: progress_notes.created_by -> users.id
ALTER TABLE progress_notes
  ADD CONSTRAINT progress_notes_rec_fk FOREIGN KEY (recommendation_id) REFERENCES recommendations (id),
  ADD CONSTRAINT progress_notes_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id);
