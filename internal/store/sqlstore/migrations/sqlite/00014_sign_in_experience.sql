-- The sign-in experience settings (branding, identifiers, registration,
-- password policy): one JSON document in one row, with a version for
-- compare-and-swap updates. No row means the defaults.
-- Keep in step with ../postgres/00014_sign_in_experience.sql.

-- +goose Up
CREATE TABLE sign_in_experience (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  doc        TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE sign_in_experience;
