-- The factors a sign-in used (RFC 8176 amr values, a JSON list like the
-- other list columns) travel from the session to the code and the grant,
-- so every ID token of the grant (from the code and from refreshes) names
-- them. A pending authorization request keeps Logto's sign-in parameters
-- (first_screen, identifier, direct_sign_in, acr_values) and the state of a
-- sign-in waiting for its second factor: the user whose first factor passed
-- and the factors used so far. Existing rows used no recorded factor.
-- Keep in step with ../postgres/00017_sign_in_params_amr.sql.

-- +goose Up
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '[]';
ALTER TABLE auth_codes ADD COLUMN amr TEXT NOT NULL DEFAULT '[]';
ALTER TABLE grants ADD COLUMN amr TEXT NOT NULL DEFAULT '[]';
ALTER TABLE auth_requests ADD COLUMN first_screen TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_requests ADD COLUMN identifiers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE auth_requests ADD COLUMN direct_sign_in TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_requests ADD COLUMN acr_values TEXT NOT NULL DEFAULT '[]';
ALTER TABLE auth_requests ADD COLUMN pending_user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_requests ADD COLUMN pending_amr TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE auth_requests DROP COLUMN pending_amr;
ALTER TABLE auth_requests DROP COLUMN pending_user_id;
ALTER TABLE auth_requests DROP COLUMN acr_values;
ALTER TABLE auth_requests DROP COLUMN direct_sign_in;
ALTER TABLE auth_requests DROP COLUMN identifiers;
ALTER TABLE auth_requests DROP COLUMN first_screen;
ALTER TABLE grants DROP COLUMN amr;
ALTER TABLE auth_codes DROP COLUMN amr;
ALTER TABLE sessions DROP COLUMN amr;
