-- A year's credit rule was last changed by a user who exists (only an admin's change stores
-- a rule; the default is never stored).
-- The file refuses to run over rows that name a missing parent: someone must look at them.
-- refuse orphans: credit_rules.updated_by -> users.id
ALTER TABLE credit_rules
  ADD CONSTRAINT credit_rules_updated_by_fk FOREIGN KEY (updated_by) REFERENCES users (id);
