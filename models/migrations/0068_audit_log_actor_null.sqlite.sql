-- An audit row without an actor (a failed sign-in of an unknown caller, the server's own jobs)
-- says so with NULL rather than an empty string, so that the next file can make actor_id a
-- key to users. SQLite changes a column only by building the table again; the new table
-- carries the old one's sequence, so an id (the audit list's cursor) is never handed out twice.
CREATE TABLE audit_log_new (
  id {{ID_PK}},
  at DATETIME(6) NOT NULL,
  actor_id VARCHAR(36) NULL DEFAULT NULL,
  action VARCHAR(40) NOT NULL,
  target_kind VARCHAR(20) NOT NULL DEFAULT '',
  target_id VARCHAR(64) NOT NULL DEFAULT '',
  ip VARCHAR(64) NOT NULL DEFAULT '',
  detail TEXT NOT NULL
);
INSERT INTO audit_log_new (id, at, actor_id, action, target_kind, target_id, ip, detail)
  SELECT id, at, NULLIF(actor_id, ''), action, target_kind, target_id, ip, detail FROM audit_log;
DELETE FROM sqlite_sequence WHERE name = 'audit_log_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_log_new', seq FROM sqlite_sequence WHERE name = 'audit_log';
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
