-- Per-app CORS (`sesame apps create/set-cors --cors-origin`): origins a
-- browser app may call the token, userinfo and revocation endpoints from,
-- besides those of its redirect URIs, as a JSON array of strings. Existing
-- apps get none: their redirect URIs' origins keep working.
-- Keep in step with ../postgres/00007_client_cors_origins.sql.

-- +goose Up
ALTER TABLE clients ADD COLUMN cors_origins TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE clients DROP COLUMN cors_origins;
