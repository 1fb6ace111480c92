-- An audit row's actor is a user who exists. Audit rows outlive what they name, but users are
-- never deleted here (only disabled: PATCH active=false), so the key holds for as long as the
-- row is kept, and it stops a user from ever being deleted under their audit trail.
-- target_id has no key: it names a record of the kind in target_kind (a user, a room, a
-- category, an opinion …, or an export by name), one column for many tables.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: audit_log.actor_id -> users.id
CREATE TABLE audit_log_new (
  id {{ID_PK}},
  at DATETIME(6) NOT NULL,
  actor_id VARCHAR(36) NULL DEFAULT NULL,
  action VARCHAR(40) NOT NULL,
  target_kind VARCHAR(20) NOT NULL DEFAULT '',
  target_id VARCHAR(64) NOT NULL DEFAULT '',
  ip VARCHAR(64) NOT NULL DEFAULT '',
  detail TEXT NOT NULL,
  CONSTRAINT audit_log_actor_fk FOREIGN KEY (actor_id) REFERENCES users (id)
);
INSERT INTO audit_log_new (id, at, actor_id, action, target_kind, target_id, ip, detail)
  SELECT id, at, actor_id, action, target_kind, target_id, ip, detail FROM audit_log;
DELETE FROM sqlite_sequence WHERE name = 'audit_log_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_log_new', seq FROM sqlite_sequence WHERE name = 'audit_log';
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
