-- A photo is attached to one record through a column per kind of record, each a foreign
-- key, in place of a kind and an id that could name nothing. Deleting a record detaches its
-- photos (SET NULL); the sweep of stale unattached photos then removes them with their
-- objects. A photo is attached only while all four are empty (models.AttachPhotos), so it is
-- on one record at most; no CHECK says so, because MySQL refuses one over columns with a
-- referential action. An attachment that already names
-- a missing record is not carried over: that photo was garbage and the sweep removes it.
-- Each statement may be run again after a failure (the runner resumes at the one that
-- failed; the copies only fill columns still empty).
-- refuse orphans: photos.uploader_id -> users.id
ALTER TABLE photos
  ADD COLUMN opinion_id VARCHAR(36) NULL,
  ADD COLUMN topic_id VARCHAR(36) NULL,
  ADD COLUMN activity_id VARCHAR(36) NULL,
  ADD COLUMN progress_id VARCHAR(36) NULL,
  ADD INDEX photos_opinion (opinion_id),
  ADD INDEX photos_topic (topic_id),
  ADD INDEX photos_activity (activity_id),
  ADD INDEX photos_progress (progress_id),
  ADD CONSTRAINT photos_uploader_fk FOREIGN KEY (uploader_id) REFERENCES users (id),
  ADD CONSTRAINT photos_opinion_fk FOREIGN KEY (opinion_id) REFERENCES opinions (id) ON DELETE SET NULL,
  ADD CONSTRAINT photos_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id) ON DELETE SET NULL,
  ADD CONSTRAINT photos_activity_fk FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE SET NULL,
  ADD CONSTRAINT photos_progress_fk FOREIGN KEY (progress_id) REFERENCES progress_notes (id) ON DELETE SET NULL;
UPDATE photos p JOIN opinions o ON o.id = p.attached_id SET p.opinion_id = o.id WHERE p.attached_kind = 'opinion';
UPDATE photos p JOIN topics t ON t.id = p.attached_id SET p.topic_id = t.id WHERE p.attached_kind = 'topic';
UPDATE photos p JOIN activities a ON a.id = p.attached_id SET p.activity_id = a.id WHERE p.attached_kind = 'activity';
UPDATE photos p JOIN progress_notes n ON n.id = p.attached_id SET p.progress_id = n.id WHERE p.attached_kind = 'progress';
ALTER TABLE photos DROP INDEX photos_attached, DROP COLUMN attached_kind, DROP COLUMN attached_id;
