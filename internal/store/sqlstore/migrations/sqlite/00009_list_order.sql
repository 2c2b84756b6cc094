-- Paged lists (ListUsersPage, ListClientsPage) read users and apps in
-- (created_at, id) order: these indexes let a page be read in order
-- without sorting the whole table. No column changes, so no fixture.
-- Keep in step with ../postgres/00009_list_order.sql.

-- +goose Up
CREATE INDEX users_created_at ON users (created_at, id);
CREATE INDEX clients_created_at ON clients (created_at, id);

-- +goose Down
DROP INDEX clients_created_at;
DROP INDEX users_created_at;
