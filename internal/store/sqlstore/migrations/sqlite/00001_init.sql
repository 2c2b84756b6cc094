-- Sesame schema, SQLite dialect. Keep in step with ../postgres/00001_init.sql:
-- same tables, columns and indexes; only the column types differ.
--
-- Times are INTEGER unix nanoseconds (UTC); 0 is the zero time.
-- Lists are TEXT holding a JSON array of strings.
--
-- Codes and tokens are indexed by grant_id only (each secondary index costs
-- about 40us per SQLite insert); DeleteClient and DeleteUser reach them
-- through grants. Grant-less (client_credentials) rows are found through the
-- grant_id = '' prefix of the same index.

-- +goose Up
CREATE TABLE clients (
    id                        TEXT    NOT NULL PRIMARY KEY,
    name                      TEXT    NOT NULL,
    type                      TEXT    NOT NULL,
    secret_hash               BLOB    NOT NULL,
    redirect_uris             TEXT    NOT NULL,
    post_logout_redirect_uris TEXT    NOT NULL,
    third_party               INTEGER NOT NULL,
    created_at                INTEGER NOT NULL
);

CREATE TABLE users (
    id              TEXT    NOT NULL PRIMARY KEY,
    username        TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    phone           TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    picture         TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    suspended       INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_sign_in_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (username) WHERE username <> '';
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE email <> '';

CREATE TABLE resources (
    id               TEXT    NOT NULL PRIMARY KEY,
    indicator        TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    scopes           TEXT    NOT NULL,
    access_token_ttl INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);

CREATE TABLE signing_keys (
    id           TEXT    NOT NULL PRIMARY KEY,
    alg          TEXT    NOT NULL,
    private_key  BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    activates_at INTEGER NOT NULL,
    retired_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

CREATE TABLE auth_requests (
    id                    TEXT    NOT NULL PRIMARY KEY,
    client_id             TEXT    NOT NULL,
    redirect_uri          TEXT    NOT NULL,
    scopes                TEXT    NOT NULL,
    resources             TEXT    NOT NULL,
    state                 TEXT    NOT NULL,
    nonce                 TEXT    NOT NULL,
    code_challenge        TEXT    NOT NULL,
    code_challenge_method TEXT    NOT NULL,
    response_mode         TEXT    NOT NULL,
    prompt                TEXT    NOT NULL,
    max_age               INTEGER NOT NULL,
    login_hint            TEXT    NOT NULL,
    ui_locales            TEXT    NOT NULL,
    force_login           INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL
);
CREATE INDEX auth_requests_client_id ON auth_requests (client_id);
CREATE INDEX auth_requests_expires_at ON auth_requests (expires_at);

CREATE TABLE sessions (
    id_hash    BLOB    NOT NULL PRIMARY KEY,
    sid        TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    auth_time  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE grants (
    id         TEXT    NOT NULL PRIMARY KEY,
    client_id  TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    sid        TEXT    NOT NULL,
    scopes     TEXT    NOT NULL,
    resources  TEXT    NOT NULL,
    auth_time  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL
);
CREATE INDEX grants_client_id ON grants (client_id);
CREATE INDEX grants_user_id ON grants (user_id);
CREATE INDEX grants_sid ON grants (sid);
CREATE INDEX grants_expires_at ON grants (expires_at);

CREATE TABLE auth_codes (
    hash                  BLOB    NOT NULL PRIMARY KEY,
    grant_id              TEXT    NOT NULL,
    client_id             TEXT    NOT NULL,
    user_id               TEXT    NOT NULL,
    sid                   TEXT    NOT NULL,
    redirect_uri          TEXT    NOT NULL,
    scopes                TEXT    NOT NULL,
    resources             TEXT    NOT NULL,
    nonce                 TEXT    NOT NULL,
    code_challenge        TEXT    NOT NULL,
    code_challenge_method TEXT    NOT NULL,
    auth_time             INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    consumed_at           INTEGER NOT NULL
);
CREATE INDEX auth_codes_grant_id ON auth_codes (grant_id);
CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);

CREATE TABLE refresh_tokens (
    hash        BLOB    NOT NULL PRIMARY KEY,
    grant_id    TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    scopes      TEXT    NOT NULL,
    resources   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    consumed_at INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE access_tokens (
    hash       BLOB    NOT NULL PRIMARY KEY,
    grant_id   TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    scopes     TEXT    NOT NULL,
    audience   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL
);
CREATE INDEX access_tokens_grant_id ON access_tokens (grant_id);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);

CREATE TABLE consents (
    user_id    TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    scopes     TEXT    NOT NULL,
    resources  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
CREATE INDEX consents_client_id ON consents (client_id);

CREATE TABLE throttle (
    key          TEXT    NOT NULL PRIMARY KEY,
    window_start INTEGER NOT NULL,
    window_end   INTEGER NOT NULL,
    count        INTEGER NOT NULL
);
CREATE INDEX throttle_window_end ON throttle (window_end);

-- +goose Down
DROP TABLE throttle;
DROP TABLE consents;
DROP TABLE access_tokens;
DROP TABLE refresh_tokens;
DROP TABLE auth_codes;
DROP TABLE grants;
DROP TABLE sessions;
DROP TABLE auth_requests;
DROP TABLE signing_keys;
DROP TABLE resources;
DROP TABLE users;
DROP TABLE clients;
