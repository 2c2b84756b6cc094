-- The sign-in experience settings (branding, identifiers, registration,
-- password policy): one JSON document in one row, with a version for
-- compare-and-swap updates. No row means the defaults.
-- Keep in step with ../sqlite/00014_sign_in_experience.sql.

-- +goose Up
CREATE TABLE sign_in_experience (
  id         SMALLINT PRIMARY KEY CHECK (id = 1),
  doc        TEXT    NOT NULL,
  version    BIGINT  NOT NULL,
  updated_at BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE sign_in_experience;
