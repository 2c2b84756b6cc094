-- One-time first-run setup tokens (docs/security.md): only the SHA-256 of
-- the token is stored; used_at = 0 until the one conditional UPDATE that
-- consumes it. Keep in step with ../sqlite/00015_setup_tokens.sql.

-- +goose Up
CREATE TABLE setup_tokens (
    hash       BYTEA    NOT NULL PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE setup_tokens;
