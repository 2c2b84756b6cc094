-- OpenID Connect Back-Channel Logout (docs/design.md, "Back-channel
-- logout"): an app may register a back-channel logout URI, and whether it
-- needs the session id in the logout token. When a session ends, the same
-- transaction queues one delivery per app that holds a grant issued from
-- it and has such a URI; a worker on every replica leases due rows, posts
-- the signed logout token and deletes the row, or moves next_attempt_at
-- back with its backoff. The queue survives restarts and is trimmed to a
-- bounded size. Keep in step with ../postgres/00027_backchannel_logout.sql.

-- +goose Up
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required INTEGER NOT NULL DEFAULT 0;
CREATE TABLE logout_deliveries (
    client_id       TEXT    NOT NULL,
    sid             TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (client_id, sid)
);
CREATE INDEX logout_deliveries_due ON logout_deliveries (next_attempt_at);
CREATE INDEX logout_deliveries_created ON logout_deliveries (created_at);

-- +goose Down
DROP TABLE logout_deliveries;
ALTER TABLE clients DROP COLUMN backchannel_logout_session_required;
ALTER TABLE clients DROP COLUMN backchannel_logout_uri;
