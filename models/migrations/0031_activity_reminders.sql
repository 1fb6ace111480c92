-- The day-before reminders of activities (see Store.RemindInvited): one row per activity and
-- invited user claims the reminder, so it goes once however many instances run the job.
CREATE TABLE activity_reminders (
  activity_id VARCHAR(36) NOT NULL,
  user_id VARCHAR(36) NOT NULL,
  sent_at DATETIME(6) NOT NULL,
  PRIMARY KEY (activity_id, user_id)
);
