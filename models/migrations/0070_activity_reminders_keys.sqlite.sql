-- A reminder's claim is for an activity and a user who exist.
-- A claim naming a missing activity or user reminds no one: it is garbage, deleted first.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
DELETE FROM activity_reminders WHERE activity_id NOT IN (SELECT id FROM activities) OR user_id NOT IN (SELECT id FROM users);
CREATE TABLE activity_reminders_new (
  activity_id VARCHAR(36) NOT NULL,
  user_id VARCHAR(36) NOT NULL,
  sent_at DATETIME(6) NOT NULL,
  PRIMARY KEY (activity_id, user_id),
  CONSTRAINT activity_reminders_activity_fk FOREIGN KEY (activity_id) REFERENCES activities (id),
  CONSTRAINT activity_reminders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);
INSERT INTO activity_reminders_new (activity_id, user_id, sent_at)
  SELECT activity_id, user_id, sent_at FROM activity_reminders;
DROP TABLE activity_reminders;
ALTER TABLE activity_reminders_new RENAME TO activity_reminders;
