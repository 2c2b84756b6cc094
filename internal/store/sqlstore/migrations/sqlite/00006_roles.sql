-- Roles (docs/security.md, items 8.1 and 8.2). Access to an API is denied
-- by default: a user or a machine-to-machine app holds exactly the
-- permissions, (resource, scope) pairs, of the roles assigned to it.
-- Keep in step with ../postgres/00006_roles.sql.
--
-- roles.type is 'user' or 'm2m'. role_permissions names the resource by id
-- (the store returns its indicator). These are the first foreign keys of
-- the schema: deleting a role, resource, user or client deletes its rows
-- here (every connection enables PRAGMA foreign_keys, see sqliteDSN).
--
-- auth_requests, auth_codes, grants, refresh_tokens and consents get a
-- permissions column: a JSON array of {"resource","scope"} objects, the API
-- scopes paired with the resource that defines them; their scopes column
-- holds only OpenID Connect scopes from now on. Existing rows get '[]', so
-- a token refreshed after the upgrade carries no API scope until a role
-- grants it: that is the deny-by-default fix, not a data loss. The default
-- also covers rows that a replica of the previous version writes during a
-- rolling upgrade.
--
-- M2M permissions move into roles: every app with a non-empty
-- clients.permissions (resource indicator -> scopes) gets its own m2m role
-- "app:<client id>" (id "app-<client id>") holding those scopes of the
-- resources that exist, assigned to it. clients.permissions stays in place
-- but is no longer read or written by this version: a replica of the
-- previous version still reads it during a rolling upgrade. Drop it in a
-- later migration.

-- +goose Up
CREATE TABLE roles (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE role_permissions (
    role_id     TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    scope       TEXT NOT NULL,
    PRIMARY KEY (role_id, resource_id, scope)
);
CREATE INDEX role_permissions_resource_id ON role_permissions (resource_id);

CREATE TABLE users_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX users_roles_role_id ON users_roles (role_id);

CREATE TABLE clients_roles (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    role_id   TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (client_id, role_id)
);
CREATE INDEX clients_roles_role_id ON clients_roles (role_id);

ALTER TABLE auth_requests ADD COLUMN permissions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE auth_codes ADD COLUMN permissions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE grants ADD COLUMN permissions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE refresh_tokens ADD COLUMN permissions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE consents ADD COLUMN permissions TEXT NOT NULL DEFAULT '[]';

INSERT INTO roles (id, name, description, type, created_at)
SELECT 'app-' || c.id, 'app:' || c.id, 'Permissions of app ' || c.name, 'm2m', CAST(strftime('%s', 'now') AS INTEGER) * 1000000000
FROM clients c
WHERE EXISTS (SELECT 1 FROM json_each(c.permissions));

INSERT INTO role_permissions (role_id, resource_id, scope)
SELECT DISTINCT 'app-' || c.id, r.id, s.value
FROM clients c, json_each(c.permissions) p, resources r, json_each(p.value) s
WHERE r.indicator = p.key AND p.type = 'array' AND s.type = 'text';

INSERT INTO clients_roles (client_id, role_id)
SELECT c.id, 'app-' || c.id
FROM clients c
WHERE EXISTS (SELECT 1 FROM json_each(c.permissions));

-- +goose Down
ALTER TABLE consents DROP COLUMN permissions;
ALTER TABLE refresh_tokens DROP COLUMN permissions;
ALTER TABLE grants DROP COLUMN permissions;
ALTER TABLE auth_codes DROP COLUMN permissions;
ALTER TABLE auth_requests DROP COLUMN permissions;
DROP TABLE clients_roles;
DROP TABLE users_roles;
DROP TABLE role_permissions;
DROP TABLE roles;
