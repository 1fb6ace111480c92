-- A progress note belongs to its recommendation and was written by a user.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: progress_notes.recommendation_id -> recommendations.id
-- refuse orphans: progress_notes.created_by -> users.id
CREATE TABLE progress_notes_new (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  recommendation_id VARCHAR(36) NOT NULL,
  from_status VARCHAR(16) NOT NULL,
  to_status VARCHAR(16) NOT NULL,
  note TEXT NOT NULL,
  created_by VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT progress_notes_rec_fk FOREIGN KEY (recommendation_id) REFERENCES recommendations (id),
  CONSTRAINT progress_notes_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
);
INSERT INTO progress_notes_new (id, recommendation_id, from_status, to_status, note, created_by, created_at)
  SELECT id, recommendation_id, from_status, to_status, note, created_by, created_at FROM progress_notes;
DROP TABLE progress_notes;
ALTER TABLE progress_notes_new RENAME TO progress_notes;
CREATE INDEX progress_notes_rec ON progress_notes (recommendation_id, created_at);
