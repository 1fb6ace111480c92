-- A photo is attached to one record through a column per kind of record, each a foreign
-- key, in place of a kind and an id that could name nothing. Deleting a record detaches its
-- photos (SET NULL); the sweep of stale unattached photos then removes them with their
-- objects. A photo is attached only while all four are empty (models.AttachPhotos), so it is
-- on one record at most; no CHECK says so, because MySQL refuses one over columns with a
-- referential action. An attachment that already names
-- a missing record is not carried over: that photo was garbage and the sweep removes it.
-- refuse orphans: photos.uploader_id -> users.id
CREATE TABLE photos_new (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  uploader_id VARCHAR(36) NOT NULL,
  object_key VARCHAR(200) NOT NULL,
  content_type VARCHAR(32) NOT NULL,
  size BIGINT NOT NULL,
  width INT NOT NULL,
  height INT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  opinion_id VARCHAR(36) NULL,
  topic_id VARCHAR(36) NULL,
  activity_id VARCHAR(36) NULL,
  progress_id VARCHAR(36) NULL,
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT photos_uploader_fk FOREIGN KEY (uploader_id) REFERENCES users (id),
  CONSTRAINT photos_opinion_fk FOREIGN KEY (opinion_id) REFERENCES opinions (id) ON DELETE SET NULL,
  CONSTRAINT photos_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id) ON DELETE SET NULL,
  CONSTRAINT photos_activity_fk FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE SET NULL,
  CONSTRAINT photos_progress_fk FOREIGN KEY (progress_id) REFERENCES progress_notes (id) ON DELETE SET NULL
);
INSERT INTO photos_new (id, uploader_id, object_key, content_type, size, width, height, sha256,
    opinion_id, topic_id, activity_id, progress_id, created_at)
  SELECT p.id, p.uploader_id, p.object_key, p.content_type, p.size, p.width, p.height, p.sha256,
    (SELECT o.id FROM opinions o WHERE p.attached_kind = 'opinion' AND o.id = p.attached_id),
    (SELECT t.id FROM topics t WHERE p.attached_kind = 'topic' AND t.id = p.attached_id),
    (SELECT a.id FROM activities a WHERE p.attached_kind = 'activity' AND a.id = p.attached_id),
    (SELECT n.id FROM progress_notes n WHERE p.attached_kind = 'progress' AND n.id = p.attached_id),
    p.created_at
  FROM photos p;
DROP TABLE photos;
ALTER TABLE photos_new RENAME TO photos;
CREATE INDEX photos_uploader ON photos (uploader_id, created_at);
CREATE INDEX photos_opinion ON photos (opinion_id);
CREATE INDEX photos_topic ON photos (topic_id);
CREATE INDEX photos_activity ON photos (activity_id);
CREATE INDEX photos_progress ON photos (progress_id);
