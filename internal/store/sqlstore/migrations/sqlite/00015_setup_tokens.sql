-- One-time first-run setup tokens (docs/security.md): only the SHA-256 of
-- the token is stored; used_at = 0 until the one conditional UPDATE that
-- consumes it. Keep in step with ../postgres/00015_setup_tokens.sql.

-- +goose Up
CREATE TABLE setup_tokens (
    hash       BLOB    NOT NULL PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE setup_tokens;
