-- The audit trail (审计日志): sign-ins, admins' changes, exports and reads of residents'
-- contact details. Rows are only added; the retention job deletes those past the period.
-- detail is a JSON object.
CREATE TABLE audit_log (
  id {{ID_PK}},
  at DATETIME(6) NOT NULL,
  actor_id VARCHAR(36) NOT NULL DEFAULT '',
  action VARCHAR(40) NOT NULL,
  target_kind VARCHAR(20) NOT NULL DEFAULT '',
  target_id VARCHAR(64) NOT NULL DEFAULT '',
  ip VARCHAR(64) NOT NULL DEFAULT '',
  detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
