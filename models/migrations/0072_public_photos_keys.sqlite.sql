-- A photo's public mark was set by a user who exists.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: public_photos.marked_by -> users.id
CREATE TABLE public_photos_new (
  photo_id VARCHAR(36) NOT NULL PRIMARY KEY,
  label VARCHAR(16) NOT NULL,
  marked_by VARCHAR(36) NOT NULL,
  marked_at DATETIME(6) NOT NULL,
  CONSTRAINT public_photos_photo_fk FOREIGN KEY (photo_id) REFERENCES photos (id) ON DELETE CASCADE,
  CONSTRAINT public_photos_marked_by_fk FOREIGN KEY (marked_by) REFERENCES users (id)
);
INSERT INTO public_photos_new (photo_id, label, marked_by, marked_at)
  SELECT photo_id, label, marked_by, marked_at FROM public_photos;
DROP TABLE public_photos;
ALTER TABLE public_photos_new RENAME TO public_photos;
