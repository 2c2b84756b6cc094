-- Sessions remember when the browser last used them, for the idle timeout
-- (--session-idle-timeout). Existing sessions count as last seen when they
-- were created: an upgrade may end sessions idle since then, never extend one.
-- Keep in step with ../sqlite/00002_session_last_seen.sql.

-- +goose Up
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;

-- +goose Down
ALTER TABLE sessions DROP COLUMN last_seen_at;
