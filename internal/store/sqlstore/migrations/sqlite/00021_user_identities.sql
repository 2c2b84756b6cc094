-- Links from upstream OpenID providers' accounts (connector id + the
-- upstream's sub) to Sesame users (internal/connector, docs/security.md).
-- A link goes with its user. Keep in step with ../postgres/00021_user_identities.sql.

-- +goose Up
CREATE TABLE user_identities (
    connector_id TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email        TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (connector_id, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

-- +goose Down
DROP TABLE user_identities;
