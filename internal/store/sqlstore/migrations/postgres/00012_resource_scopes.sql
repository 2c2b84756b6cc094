-- Scopes become rows with ids (the Management API addresses them as
-- /api/resources/{id}/scopes/{scopeId} and roles take scopeIds), and user
-- roles can be default roles, given to every new user. Keep in step with
-- ../sqlite/00012_resource_scopes.sql.
--
-- resource_scopes is the source of truth for a resource's scopes; the
-- store rewrites resources.scopes (JSON, in created_at order) in the same
-- transaction as every scope change, so the token endpoint reads one row
-- and a replica of the previous version still sees the scopes during a
-- rolling upgrade. Existing scopes get random ids and created_at =
-- resource created_at + position, which keeps their order.
-- role_permissions keeps naming (resource_id, scope name): a permission
-- survives the migration untouched.

-- +goose Up
CREATE TABLE resource_scopes (
    id          TEXT    NOT NULL PRIMARY KEY,
    resource_id TEXT    NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    UNIQUE (resource_id, name)
);

INSERT INTO resource_scopes (id, resource_id, name, description, created_at)
SELECT replace(gen_random_uuid()::text, '-', ''), r.id, s.value, '', r.created_at + s.n - 1
FROM resources r
CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(r.scopes::jsonb) = 'array' THEN r.scopes::jsonb ELSE '[]'::jsonb END)
    WITH ORDINALITY AS s(value, n)
ON CONFLICT DO NOTHING;

ALTER TABLE roles ADD COLUMN is_default BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE roles DROP COLUMN is_default;
DROP TABLE resource_scopes;
