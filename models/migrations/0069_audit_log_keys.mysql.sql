-- An audit row's actor is a user who exists. Audit rows outlive what they name, but users are
-- never deleted here (only disabled: PATCH active=false), so the key holds for as long as the
-- row is kept, and it stops a user from ever being deleted under their audit trail.
-- target_id has no key: it names a record of the kind in target_kind (a user, a room, a
-- category, an opinion …, or an export by name), one column for many tables.
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: audit_log.actor_id -> users.id
ALTER TABLE audit_log
  ADD CONSTRAINT audit_log_actor_fk FOREIGN KEY (actor_id) REFERENCES users (id);
