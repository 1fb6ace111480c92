-- One-time tokens of the first-run setup page: only a token's SHA-256 is kept, so the table
-- gives nobody the URL the log printed. Each instance that starts without an admin adds one.
CREATE TABLE setup_tokens (
    token_hash CHAR(64) NOT NULL PRIMARY KEY,
    expires_at DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL
);
