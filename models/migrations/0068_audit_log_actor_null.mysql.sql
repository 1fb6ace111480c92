-- An audit row without an actor (a failed sign-in of an unknown caller, the server's own jobs)
-- says so with NULL rather than an empty string, so that the next file can make actor_id a
-- key to users.
ALTER TABLE audit_log MODIFY actor_id VARCHAR(36) NULL DEFAULT NULL;
UPDATE audit_log SET actor_id = NULL WHERE actor_id = '';
