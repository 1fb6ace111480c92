-- MySQL's TEXT holds 65,535 bytes: less than a 20,000- or 50,000-character field of Chinese
-- text allows (3 or 4 bytes a character), and less than the JSON lists of names a plan or a
-- meeting may carry. MEDIUMTEXT (16 MiB) holds every value the validation lets through.
ALTER TABLE rooms MODIFY rules MEDIUMTEXT NOT NULL;
ALTER TABLE activities MODIFY attendees MEDIUMTEXT NOT NULL, MODIFY summary MEDIUMTEXT NOT NULL;
ALTER TABLE events MODIFY payload MEDIUMTEXT NOT NULL;
ALTER TABLE opinions MODIFY content MEDIUMTEXT NOT NULL;
ALTER TABLE topics MODIFY description MEDIUMTEXT NOT NULL;
ALTER TABLE reviews MODIFY comment MEDIUMTEXT NOT NULL;
ALTER TABLE plans MODIFY participants MEDIUMTEXT NOT NULL, MODIFY content MEDIUMTEXT NOT NULL,
  MODIFY research_steps MEDIUMTEXT NOT NULL, MODIFY schedule MEDIUMTEXT NOT NULL,
  MODIFY meeting_procedure MEDIUMTEXT NOT NULL, MODIFY transformation MEDIUMTEXT NOT NULL;
ALTER TABLE outcomes MODIFY consensus MEDIUMTEXT NOT NULL;
ALTER TABLE recommendations MODIFY content MEDIUMTEXT NOT NULL;
ALTER TABLE progress_notes MODIFY note MEDIUMTEXT NOT NULL;
