-- How far the credits job has read each kind of record (a watermark per source), and the
-- indexes that let a pass read only the records changed since: the time each record last
-- changed in a way that bears on its credit. A pass reads from its mark minus a safety lag,
-- so a row committed after a later one (MySQL) is still read.
CREATE TABLE credit_marks (
  source VARCHAR(32) NOT NULL PRIMARY KEY,
  mark DATETIME(6) NOT NULL
);
CREATE INDEX topic_history_action_at ON topic_history (action, at);
CREATE INDEX attendance_updated ON attendance (updated_at);
CREATE INDEX progress_notes_to_at ON progress_notes (to_status, created_at);
