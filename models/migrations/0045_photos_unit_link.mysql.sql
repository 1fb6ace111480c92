-- A photo sent through a unit's link has no user: it belongs to the link (which also bounds
-- how many may be sent) until it is attached to the unit's reply.
ALTER TABLE photos
  MODIFY uploader_id VARCHAR(36) NULL,
  ADD COLUMN unit_link_id VARCHAR(36) NULL,
  ADD INDEX photos_unit_link (unit_link_id, created_at),
  ADD CONSTRAINT photos_unit_link_fk FOREIGN KEY (unit_link_id) REFERENCES unit_links (id);
