-- A progress note may come from the responsible unit through its link: it then has no user
-- (created_by is empty) but the link, the unit's own word for where it stands, and the date
-- it expects to finish.
ALTER TABLE progress_notes
  MODIFY created_by VARCHAR(36) NULL,
  ADD COLUMN unit_link_id VARCHAR(36) NULL,
  ADD COLUMN unit_status VARCHAR(16) NOT NULL DEFAULT '',
  ADD COLUMN expected_on DATE NULL,
  ADD INDEX progress_notes_unit_link (unit_link_id),
  ADD CONSTRAINT progress_notes_unit_link_fk FOREIGN KEY (unit_link_id) REFERENCES unit_links (id);
