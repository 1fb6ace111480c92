-- A record that stops earning (attendance changed from present to absent) gets a reversal
-- row; if it earns again, a new episode starts. Episode 0 is the first time a record earned.
ALTER TABLE credits ADD COLUMN episode INT NOT NULL DEFAULT 0;
