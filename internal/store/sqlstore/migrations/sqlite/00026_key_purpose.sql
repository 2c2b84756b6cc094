-- Signing keys per algorithm (docs/design.md, "Signing keys"): besides the
-- keys that sign by default (purpose ''), keys with purpose 'alg' sign
-- only the ID tokens of apps registered with their algorithm
-- (id_token_signed_response_alg), such as the RS256 key every server
-- publishes. Apps record that algorithm; '' is the server's default.
-- Keep in step with ../postgres/00026_key_purpose.sql.

-- +goose Up
ALTER TABLE signing_keys ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE clients DROP COLUMN id_token_alg;
ALTER TABLE signing_keys DROP COLUMN purpose;
