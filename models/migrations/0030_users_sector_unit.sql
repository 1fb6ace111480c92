-- What a CPPCC office files a member under: the sector (界别) and the township or unit.
ALTER TABLE users ADD COLUMN sector VARCHAR(50) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN unit VARCHAR(100) NOT NULL DEFAULT '';
