-- A photo's public mark was set by a user who exists.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: public_photos.marked_by -> users.id
ALTER TABLE public_photos
  ADD CONSTRAINT public_photos_marked_by_fk FOREIGN KEY (marked_by) REFERENCES users (id);
