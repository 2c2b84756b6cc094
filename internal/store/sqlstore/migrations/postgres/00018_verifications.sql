-- Emailed one-time codes (internal/verification, docs/security.md): only an
-- HMAC of the code is stored; consumed_at = 0 until the one conditional
-- UPDATE that redeems it. Keep in step with ../sqlite/00018_verifications.sql.

-- +goose Up
CREATE TABLE verifications (
    id          TEXT    NOT NULL PRIMARY KEY,
    purpose     TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    binding     TEXT    NOT NULL,
    code_hash   BYTEA    NOT NULL,
    payload     BYTEA    NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    consumed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX verifications_flow ON verifications (purpose, target, binding);
CREATE INDEX verifications_expires ON verifications (expires_at);

-- +goose Down
DROP TABLE verifications;
