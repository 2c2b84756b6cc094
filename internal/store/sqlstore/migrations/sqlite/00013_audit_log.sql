-- The audit log (store.Audit): sign-ins, token issuance and admin changes.
-- No foreign keys: entries outlive the users, apps and sessions they name.
-- Every filter of ListAudit has an index leading with its column and
-- ending in the list's order (created_at, id), so a filtered page at a
-- million rows is read from the index, newest first, without a sort.
-- before_json and after_json hold JSON text, '' when absent.
-- Keep in step with ../postgres/00013_audit_log.sql.

-- +goose Up
CREATE TABLE audit_log (
    id             TEXT    NOT NULL PRIMARY KEY,
    key            TEXT    NOT NULL,
    result         TEXT    NOT NULL,
    error          TEXT    NOT NULL,
    actor          TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    application_id TEXT    NOT NULL,
    session_id     TEXT    NOT NULL,
    ip             TEXT    NOT NULL,
    user_agent     TEXT    NOT NULL,
    target         TEXT    NOT NULL,
    before_json    TEXT    NOT NULL,
    after_json     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX audit_log_created_at ON audit_log (created_at, id);
CREATE INDEX audit_log_user ON audit_log (user_id, created_at, id);
CREATE INDEX audit_log_application ON audit_log (application_id, created_at, id);
CREATE INDEX audit_log_key ON audit_log (key, created_at, id);
CREATE INDEX audit_log_actor ON audit_log (actor, created_at, id);

-- +goose Down
DROP TABLE audit_log;
