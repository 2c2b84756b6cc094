-- A per-app refresh token reuse interval (docs/design.md, "Refresh tokens
-- in several tabs"): for that many seconds after a refresh token is
-- rotated, presenting it again returns the same successor instead of
-- revoking the grant. The rotated token keeps its successor, sealed under
-- the master secret, and the successor's hash. 0 (the default) keeps
-- today's behaviour. Keep in step with ../postgres/00025_refresh_reuse.sql.

-- +goose Up
ALTER TABLE clients ADD COLUMN refresh_reuse_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refresh_tokens ADD COLUMN successor BLOB;
ALTER TABLE refresh_tokens ADD COLUMN successor_hash BLOB;

-- +goose Down
ALTER TABLE refresh_tokens DROP COLUMN successor_hash;
ALTER TABLE refresh_tokens DROP COLUMN successor;
ALTER TABLE clients DROP COLUMN refresh_reuse_seconds;
