-- A photo sent through a unit's link has no user: it belongs to the link (which also bounds
-- how many may be sent) until it is attached to the unit's reply. SQLite changes a column
-- only by building the table again.
CREATE TABLE photos_new (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  uploader_id VARCHAR(36) NULL,
  unit_link_id VARCHAR(36) NULL,
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
  CONSTRAINT photos_unit_link_fk FOREIGN KEY (unit_link_id) REFERENCES unit_links (id),
  CONSTRAINT photos_opinion_fk FOREIGN KEY (opinion_id) REFERENCES opinions (id) ON DELETE SET NULL,
  CONSTRAINT photos_topic_fk FOREIGN KEY (topic_id) REFERENCES topics (id) ON DELETE SET NULL,
  CONSTRAINT photos_activity_fk FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE SET NULL,
  CONSTRAINT photos_progress_fk FOREIGN KEY (progress_id) REFERENCES progress_notes (id) ON DELETE SET NULL
);
INSERT INTO photos_new (id, uploader_id, object_key, content_type, size, width, height, sha256,
    opinion_id, topic_id, activity_id, progress_id, created_at)
  SELECT id, uploader_id, object_key, content_type, size, width, height, sha256,
    opinion_id, topic_id, activity_id, progress_id, created_at FROM photos;
DROP TABLE photos;
ALTER TABLE photos_new RENAME TO photos;
CREATE INDEX photos_uploader ON photos (uploader_id, created_at);
CREATE INDEX photos_unit_link ON photos (unit_link_id, created_at);
CREATE INDEX photos_opinion ON photos (opinion_id);
CREATE INDEX photos_topic ON photos (topic_id);
CREATE INDEX photos_activity ON photos (activity_id);
CREATE INDEX photos_progress ON photos (progress_id);
