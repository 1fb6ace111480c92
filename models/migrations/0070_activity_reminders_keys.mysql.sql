-- A reminder's claim is for an activity and a user who exist.
-- A claim naming a missing activity or user reminds no one: it is garbage, deleted first.
DELETE FROM activity_reminders WHERE activity_id NOT IN (SELECT id FROM activities) OR user_id NOT IN (SELECT id FROM users);
ALTER TABLE activity_reminders
  ADD CONSTRAINT activity_reminders_activity_fk FOREIGN KEY (activity_id) REFERENCES activities (id),
  ADD CONSTRAINT activity_reminders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
