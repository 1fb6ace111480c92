-- Credits (履职积分): append-only rows, each pointing to the record that earned it. Revision
-- 0 is the row the record earned; a rescore under rule version n appends a correction with
-- revision n carrying the difference. The unique key makes filling in credits idempotent on
-- every instance at once: one record earns one kind once per user.
CREATE TABLE credits (
  id {{ID_PK}},
  user_id VARCHAR(36) NOT NULL,
  kind VARCHAR(32) NOT NULL,
  source_kind VARCHAR(16) NOT NULL,
  source_id VARCHAR(36) NOT NULL,
  revision INT NOT NULL,
  year INT NOT NULL,
  points INT NOT NULL,
  rule_version INT NOT NULL,
  at DATETIME(6) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT credits_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE UNIQUE INDEX credits_source ON credits (source_kind, source_id, kind, user_id, revision);
CREATE INDEX credits_user_year ON credits (user_id, year);
CREATE INDEX credits_year ON credits (year, user_id);
