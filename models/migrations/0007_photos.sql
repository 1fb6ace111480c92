-- Site photos. The object itself lives in the photo store under object_key; a photo belongs
-- to its uploader until it is attached to one record (an opinion, a topic, an activity …).
CREATE TABLE photos (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  uploader_id VARCHAR(36) NOT NULL,
  object_key VARCHAR(200) NOT NULL,
  content_type VARCHAR(32) NOT NULL,
  size BIGINT NOT NULL,
  width INT NOT NULL,
  height INT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  attached_kind VARCHAR(16) NOT NULL DEFAULT '',
  attached_id VARCHAR(36) NULL,
  created_at DATETIME(6) NOT NULL
);
CREATE INDEX photos_attached ON photos (attached_kind, attached_id);
CREATE INDEX photos_uploader ON photos (uploader_id, created_at);
