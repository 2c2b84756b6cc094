-- Client secret rotation (`sesame apps rotate-secret`): the replaced secret's
-- hash stays valid until previous_secret_expires_at (unix nanoseconds; 0 =
-- none), so an app can be redeployed with its new secret without an outage.
-- Keep in step with ../postgres/00005_client_previous_secret.sql.

-- +goose Up
ALTER TABLE clients ADD COLUMN previous_secret_hash BLOB NOT NULL DEFAULT X'';
ALTER TABLE clients ADD COLUMN previous_secret_expires_at INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE clients DROP COLUMN previous_secret_expires_at;
ALTER TABLE clients DROP COLUMN previous_secret_hash;
