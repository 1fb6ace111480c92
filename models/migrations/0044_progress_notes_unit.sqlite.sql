-- A progress note may come from the responsible unit through its link: it then has no user
-- (created_by is empty) but the link, the unit's own word for where it stands, and the date
-- it expects to finish. SQLite changes a column only by building the table again.
CREATE TABLE progress_notes_new (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  recommendation_id VARCHAR(36) NOT NULL,
  from_status VARCHAR(16) NOT NULL,
  to_status VARCHAR(16) NOT NULL,
  note TEXT NOT NULL,
  created_by VARCHAR(36) NULL,
  unit_link_id VARCHAR(36) NULL,
  unit_status VARCHAR(16) NOT NULL DEFAULT '',
  expected_on DATE NULL,
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT progress_notes_rec_fk FOREIGN KEY (recommendation_id) REFERENCES recommendations (id),
  CONSTRAINT progress_notes_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id),
  CONSTRAINT progress_notes_unit_link_fk FOREIGN KEY (unit_link_id) REFERENCES unit_links (id)
);
INSERT INTO progress_notes_new (id, recommendation_id, from_status, to_status, note, created_by, created_at)
  SELECT id, recommendation_id, from_status, to_status, note, created_by, created_at FROM progress_notes;
DROP TABLE progress_notes;
ALTER TABLE progress_notes_new RENAME TO progress_notes;
CREATE INDEX progress_notes_rec ON progress_notes (recommendation_id, created_at);
CREATE INDEX progress_notes_unit_link ON progress_notes (unit_link_id);
