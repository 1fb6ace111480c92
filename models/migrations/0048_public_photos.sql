-- Photos a room's convener shows on the public pages (公开页), labelled before or after the
-- work (整改前/整改后). A photo not listed here is never public. Deleting the photo takes its
-- mark with it.
CREATE TABLE public_photos (
  photo_id VARCHAR(36) NOT NULL PRIMARY KEY,
  label VARCHAR(16) NOT NULL,
  marked_by VARCHAR(36) NOT NULL,
  marked_at DATETIME(6) NOT NULL,
  CONSTRAINT public_photos_photo_fk FOREIGN KEY (photo_id) REFERENCES photos (id) ON DELETE CASCADE
);
