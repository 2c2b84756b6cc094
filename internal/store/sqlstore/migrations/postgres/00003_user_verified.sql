-- Users record whether their email and phone were verified, for the
-- email_verified and phone_number_verified claims, which until now were true
-- for any address on file. Existing users start unverified: Sesame never
-- proved their addresses, so it stops asserting that it did.
-- Keep in step with ../sqlite/00003_user_verified.sql.

-- +goose Up
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN phone_verified BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE users DROP COLUMN phone_verified;
ALTER TABLE users DROP COLUMN email_verified;
