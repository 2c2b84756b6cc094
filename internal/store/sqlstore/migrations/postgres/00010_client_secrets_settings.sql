-- Named client secrets and per-app settings (issue 10, "Applications").
-- A confidential app may hold several secrets, each with a name unique to
-- the app and an optional expiry (expires_at unix nanoseconds, 0 = never).
-- The secret in clients.secret_hash becomes "default" and a previous secret
-- from a rotation becomes "previous" with its expiry; an expired one is
-- copied too and simply never matches. The old columns stay for replicas
-- of the previous version during a rolling upgrade (they read them, this
-- version does not).
-- Per-app settings: 0 means the server default for id_token_ttl (seconds)
-- and refresh_token_ttl_days; no_refresh_rotation is Logto's
-- rotateRefreshToken = false; custom_data is a JSON object.
-- Keep in step with ../sqlite/00010_client_secrets_settings.sql.

-- +goose Up
CREATE TABLE client_secrets (
    client_id  TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    hash       BYTEA  NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, name)
);
INSERT INTO client_secrets (client_id, name, hash, created_at, expires_at)
    SELECT id, 'default', secret_hash, created_at, 0 FROM clients WHERE length(secret_hash) > 0;
INSERT INTO client_secrets (client_id, name, hash, created_at, expires_at)
    SELECT id, 'previous', previous_secret_hash, created_at, previous_secret_expires_at FROM clients
    WHERE length(previous_secret_hash) > 0 AND previous_secret_expires_at > 0;

ALTER TABLE clients ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN id_token_ttl BIGINT NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN refresh_token_ttl_days BIGINT NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN no_refresh_rotation BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN always_issue_refresh_token BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN custom_data TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE clients DROP COLUMN custom_data;
ALTER TABLE clients DROP COLUMN always_issue_refresh_token;
ALTER TABLE clients DROP COLUMN no_refresh_rotation;
ALTER TABLE clients DROP COLUMN refresh_token_ttl_days;
ALTER TABLE clients DROP COLUMN id_token_ttl;
ALTER TABLE clients DROP COLUMN description;
DROP TABLE client_secrets;
