-- Machine-to-machine apps get per-resource permissions: clients.permissions
-- is a JSON object from resource indicator to the scopes the app may ask for
-- there. Until now every M2M app could get any scope of any resource, so
-- existing M2M apps are granted exactly that (every scope of every resource
-- that exists now) and keep working; resources created later must be
-- granted with `sesame apps permit`.
-- Keep in step with ../postgres/00004_client_permissions.sql.

-- +goose Up
ALTER TABLE clients ADD COLUMN permissions TEXT NOT NULL DEFAULT '{}';
UPDATE clients SET permissions = (SELECT COALESCE(json_group_object(indicator, json(scopes)), '{}') FROM resources)
WHERE type = 'm2m';

-- +goose Down
ALTER TABLE clients DROP COLUMN permissions;
