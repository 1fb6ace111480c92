-- One record earns one kind once per user and episode; revision 0 is the row it earned,
-- -1 its reversal, n a rescore under rule version n. (The migration's transaction makes
-- the two statements one change on SQLite.)
DROP INDEX credits_source;
CREATE UNIQUE INDEX credits_source ON credits (source_kind, source_id, kind, user_id, episode, revision);
