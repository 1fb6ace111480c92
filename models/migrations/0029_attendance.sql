-- Attendance (签到) of users at an activity: present, on leave (请假) or absent, and how it was
-- taken (a QR check-in from the member's phone, or the convener's tick). One row per user and
-- activity; a QR check-in keeps the phone-made id that makes its retry safe. The row is the
-- record that earns attendance credit.
CREATE TABLE attendance (
  activity_id VARCHAR(36) NOT NULL,
  user_id VARCHAR(36) NOT NULL,
  status VARCHAR(16) NOT NULL,
  via VARCHAR(16) NOT NULL,
  reason VARCHAR(500) NOT NULL DEFAULT '',
  checkin_id VARCHAR(36) NULL,
  marked_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (activity_id, user_id),
  CONSTRAINT attendance_activity_fk FOREIGN KEY (activity_id) REFERENCES activities (id),
  CONSTRAINT attendance_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE UNIQUE INDEX attendance_checkin ON attendance (checkin_id);
CREATE INDEX attendance_user ON attendance (user_id, marked_at);
