-- Second factors (internal/mfa, docs/security.md). mfa_totp: one
-- authenticator app per user; secret is sealed with the master secret's
-- "mfa-totp" key, last_step the last accepted time step, advanced only by
-- one conditional UPDATE … WHERE last_step < step so a code is accepted
-- once. mfa_backup_codes: the SHA-256 of each single-use recovery code;
-- used_at = 0 until the one conditional UPDATE that uses it. Both go with
-- their user. Keep in step with ../sqlite/00019_mfa.sql.

-- +goose Up
CREATE TABLE mfa_totp (
    user_id    TEXT    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     BYTEA   NOT NULL,
    last_step  BIGINT  NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL
);

CREATE TABLE mfa_backup_codes (
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       BYTEA   NOT NULL,
    created_at BIGINT  NOT NULL,
    used_at    BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, hash)
);

-- +goose Down
DROP TABLE mfa_backup_codes;
DROP TABLE mfa_totp;
