CREATE TABLE categories (
  name VARCHAR(50) NOT NULL PRIMARY KEY,
  position INT NOT NULL,
  created_at DATETIME(6) NOT NULL
);
