-- A year's credit rule was last changed by a user who exists (only an admin's change stores
-- a rule; the default is never stored).
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- SQLite adds a key only by building the table again (foreign keys are off while a migration
-- runs, and checked before it commits).
-- refuse orphans: credit_rules.updated_by -> users.id
CREATE TABLE credit_rules_new (
  year INT NOT NULL PRIMARY KEY,
  version INT NOT NULL,
  line INT NOT NULL,
  points TEXT NOT NULL,
  updated_by VARCHAR(36) NOT NULL DEFAULT '',
  updated_at DATETIME(6) NOT NULL,
  CONSTRAINT credit_rules_updated_by_fk FOREIGN KEY (updated_by) REFERENCES users (id)
);
INSERT INTO credit_rules_new (year, version, line, points, updated_by, updated_at)
  SELECT year, version, line, points, updated_by, updated_at FROM credit_rules;
DROP TABLE credit_rules;
ALTER TABLE credit_rules_new RENAME TO credit_rules;
