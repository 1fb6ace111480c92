-- One record earns one kind once per user and episode; revision 0 is the row it earned,
-- -1 its reversal, n a rescore under rule version n. One statement, so MySQL changes the key
-- at once.
ALTER TABLE credits DROP INDEX credits_source,
  ADD UNIQUE INDEX credits_source (source_kind, source_id, kind, user_id, episode, revision);
