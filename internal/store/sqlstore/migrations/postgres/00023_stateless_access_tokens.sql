-- JWT access tokens are self-contained: from this version on none is
-- stored when issued (docs/design.md, "Access tokens"). What is recorded is
-- what revokes them: the SHA-256 of each revoked token's jti until the token
-- expires (the deny list), and per app the time before which its tokens are
-- revoked (a narrowed role or a deleted scope). Grants keep their own
-- revoked_at. Opaque access tokens keep their rows in access_tokens, and so
-- do JWT access tokens issued before this migration until they expire.
-- Keep in step with ../sqlite/00023_stateless_access_tokens.sql.

-- +goose Up
CREATE TABLE denied_access_tokens (
    hash       BYTEA   PRIMARY KEY,
    expires_at BIGINT  NOT NULL
);
CREATE INDEX denied_access_tokens_expiry ON denied_access_tokens (expires_at);
ALTER TABLE clients ADD COLUMN tokens_revoked_before BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE clients DROP COLUMN tokens_revoked_before;
DROP TABLE denied_access_tokens;
