-- The county's credit rules (积分规则), one row per year: points per kind of record (a JSON
-- object), the yearly minimum total (the line), and a version that every change raises. A
-- credit row keeps the version it was scored under, so a change never rescores past rows by
-- itself: only an admin's explicit rescore of the year does (see models/credit.go).
CREATE TABLE credit_rules (
  year INT NOT NULL PRIMARY KEY,
  version INT NOT NULL,
  line INT NOT NULL,
  points TEXT NOT NULL,
  updated_by VARCHAR(36) NOT NULL DEFAULT '',
  updated_at DATETIME(6) NOT NULL
);
