-- The configuration version (docs/design.md, "Caches and invalidation"):
-- one counter that every write to a table the configuration caches read
-- moves forward, in the writing transaction, so a replica that reads it
-- after a change committed sees a new value and drops its caches. Triggers,
-- not the store's code, bump it, so no write path can forget it (the CLI,
-- the API, the console and later migrations alike). The counter only grows:
-- never reset or recreate it, or a cache could take an old state for the
-- current one. On SQLite, a migration that rebuilds one of these tables
-- must recreate its triggers. No hot-path write (tokens, sessions, audit)
-- touches these tables, so the counter row is not a hot row.
-- Keep in step with ../postgres/00024_config_version.sql.

-- +goose Up
CREATE TABLE config_version (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 1);
-- +goose StatementBegin
CREATE TRIGGER clients_config_insert AFTER INSERT ON clients BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER clients_config_update AFTER UPDATE ON clients BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER clients_config_delete AFTER DELETE ON clients BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER client_secrets_config_insert AFTER INSERT ON client_secrets BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER client_secrets_config_update AFTER UPDATE ON client_secrets BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER client_secrets_config_delete AFTER DELETE ON client_secrets BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER resources_config_insert AFTER INSERT ON resources BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER resources_config_update AFTER UPDATE ON resources BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER resources_config_delete AFTER DELETE ON resources BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER resource_scopes_config_insert AFTER INSERT ON resource_scopes BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER resource_scopes_config_update AFTER UPDATE ON resource_scopes BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER resource_scopes_config_delete AFTER DELETE ON resource_scopes BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER roles_config_insert AFTER INSERT ON roles BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER roles_config_update AFTER UPDATE ON roles BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER roles_config_delete AFTER DELETE ON roles BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER role_permissions_config_insert AFTER INSERT ON role_permissions BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER role_permissions_config_update AFTER UPDATE ON role_permissions BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER role_permissions_config_delete AFTER DELETE ON role_permissions BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER clients_roles_config_insert AFTER INSERT ON clients_roles BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER clients_roles_config_update AFTER UPDATE ON clients_roles BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER clients_roles_config_delete AFTER DELETE ON clients_roles BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER sign_in_experience_config_insert AFTER INSERT ON sign_in_experience BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER sign_in_experience_config_update AFTER UPDATE ON sign_in_experience BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER sign_in_experience_config_delete AFTER DELETE ON sign_in_experience BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER sign_in_experience_config_delete;
DROP TRIGGER sign_in_experience_config_update;
DROP TRIGGER sign_in_experience_config_insert;
DROP TRIGGER clients_roles_config_delete;
DROP TRIGGER clients_roles_config_update;
DROP TRIGGER clients_roles_config_insert;
DROP TRIGGER role_permissions_config_delete;
DROP TRIGGER role_permissions_config_update;
DROP TRIGGER role_permissions_config_insert;
DROP TRIGGER roles_config_delete;
DROP TRIGGER roles_config_update;
DROP TRIGGER roles_config_insert;
DROP TRIGGER resource_scopes_config_delete;
DROP TRIGGER resource_scopes_config_update;
DROP TRIGGER resource_scopes_config_insert;
DROP TRIGGER resources_config_delete;
DROP TRIGGER resources_config_update;
DROP TRIGGER resources_config_insert;
DROP TRIGGER client_secrets_config_delete;
DROP TRIGGER client_secrets_config_update;
DROP TRIGGER client_secrets_config_insert;
DROP TRIGGER clients_config_delete;
DROP TRIGGER clients_config_update;
DROP TRIGGER clients_config_insert;
DROP TABLE config_version;
