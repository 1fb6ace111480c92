-- Links through which a responsible unit answers one recommendation without an account.
-- Only a hash of the token is kept: the link itself is shown once, to the convener who made
-- it. A link ends when it is revoked (or another is issued for the recommendation), when it
-- expires, and when the recommendation is settled.
CREATE TABLE unit_links (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  recommendation_id VARCHAR(36) NOT NULL,
  token_hash CHAR(64) NOT NULL,
  created_by VARCHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  revoked_at DATETIME(6) NULL,
  CONSTRAINT unit_links_rec_fk FOREIGN KEY (recommendation_id) REFERENCES recommendations (id),
  CONSTRAINT unit_links_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
);
CREATE UNIQUE INDEX unit_links_token ON unit_links (token_hash);
CREATE INDEX unit_links_rec ON unit_links (recommendation_id, created_at);
