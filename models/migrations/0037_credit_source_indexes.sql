-- Indexes for filling in credits: the approvals of topics (which credit their lead and the
-- opinions they adopted) and the follow-up notes that mark a recommendation done, found
-- without scanning every history row or note.
CREATE INDEX topic_history_action ON topic_history (action, topic_id);
CREATE INDEX progress_notes_to ON progress_notes (to_status, recommendation_id);
CREATE INDEX attendance_status ON attendance (status, activity_id);
