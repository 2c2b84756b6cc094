-- A pending authorization request remembers that the user denied consent:
-- the consent page records the decision and sends the browser back to the
-- authorization endpoint, which alone answers the app (access_denied).
-- Existing requests were not denied.
-- Keep in step with ../postgres/00008_auth_request_consent_denied.sql.

-- +goose Up
ALTER TABLE auth_requests ADD COLUMN consent_denied INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE auth_requests DROP COLUMN consent_denied;
