-- A session remembers when its user last re-authenticated with an existing
-- factor (the account pages' step-up, docs/security.md UI-13): sensitive
-- changes need one within the last minutes. Existing sessions never did.
-- Keep in step with ../postgres/00022_session_reauth.sql.

-- +goose Up
ALTER TABLE sessions ADD COLUMN reauth_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE sessions DROP COLUMN reauth_at;
