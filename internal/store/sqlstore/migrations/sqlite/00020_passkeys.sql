-- WebAuthn passkeys (internal/passkey, docs/security.md). passkeys: one
-- row per credential, id is the authenticator's credential ID; sign_count
-- only moves forward through one conditional UPDATE (clone detection);
-- flags: 1 backup eligible, 2 backup state, 4 user verified at
-- registration; transports a JSON list. passkey_ceremonies: the pending
-- challenge of one registration or sign-in, keyed by the SHA-256 of the
-- random id in the browser's cookie, deleted by the one statement that
-- consumes it or by GarbageCollect after expires_at. Keep in step with
-- ../postgres/00020_passkeys.sql.

-- +goose Up
CREATE TABLE passkeys (
    id               BLOB    NOT NULL PRIMARY KEY,
    user_id          TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    public_key       BLOB    NOT NULL,
    attestation_type TEXT    NOT NULL DEFAULT '',
    transports       TEXT    NOT NULL DEFAULT '[]',
    aaguid           BLOB    NOT NULL,
    sign_count       INTEGER NOT NULL DEFAULT 0,
    flags            INTEGER NOT NULL DEFAULT 0,
    name             TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    last_used_at     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);

CREATE TABLE passkey_ceremonies (
    id_hash    BLOB    NOT NULL PRIMARY KEY,
    kind       TEXT    NOT NULL,
    user_id    TEXT    NOT NULL DEFAULT '',
    data       BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);

-- +goose Down
DROP TABLE passkey_ceremonies;
DROP TABLE passkeys;
