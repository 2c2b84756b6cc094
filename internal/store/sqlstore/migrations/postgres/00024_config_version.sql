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
-- The triggers are deferred to commit and bump once per transaction (a
-- transaction-local setting remembers it): the counter row is then the last
-- lock a configuration change takes, so two concurrent changes cannot
-- deadlock on it, and a change of many rows updates it once.
-- Keep in step with ../sqlite/00024_config_version.sql.

-- +goose Up
CREATE TABLE config_version (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 1);
-- +goose StatementBegin
CREATE FUNCTION config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('sesame.config_changed', true) IS DISTINCT FROM 'on' THEN
        UPDATE config_version SET version = version + 1 WHERE id = 1;
        PERFORM set_config('sesame.config_changed', 'on', true);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER clients_config AFTER INSERT OR UPDATE OR DELETE ON clients
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION config_changed();
CREATE CONSTRAINT TRIGGER client_secrets_config AFTER INSERT OR UPDATE OR DELETE ON client_secrets
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION config_changed();
CREATE CONSTRAINT TRIGGER resources_config AFTER INSERT OR UPDATE OR DELETE ON resources
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION config_changed();
CREATE CONSTRAINT TRIGGER resource_scopes_config AFTER INSERT OR UPDATE OR DELETE ON resource_scopes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION config_changed();
CREATE CONSTRAINT TRIGGER roles_config AFTER INSERT OR UPDATE OR DELETE ON roles
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION config_changed();
CREATE CONSTRAINT TRIGGER role_permissions_config AFTER INSERT OR UPDATE OR DELETE ON role_permissions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION config_changed();
CREATE CONSTRAINT TRIGGER clients_roles_config AFTER INSERT OR UPDATE OR DELETE ON clients_roles
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION config_changed();
CREATE CONSTRAINT TRIGGER sign_in_experience_config AFTER INSERT OR UPDATE OR DELETE ON sign_in_experience
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION config_changed();

-- +goose Down
DROP TRIGGER sign_in_experience_config ON sign_in_experience;
DROP TRIGGER clients_roles_config ON clients_roles;
DROP TRIGGER role_permissions_config ON role_permissions;
DROP TRIGGER roles_config ON roles;
DROP TRIGGER resource_scopes_config ON resource_scopes;
DROP TRIGGER resources_config ON resources;
DROP TRIGGER client_secrets_config ON client_secrets;
DROP TRIGGER clients_config ON clients;
DROP FUNCTION config_changed();
DROP TABLE config_version;
