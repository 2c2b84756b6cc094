-- Users gain Logto's customData and profile (JSON objects stored as TEXT;
-- '{}' when empty), and indexes on lower(column) so a case-insensitive
-- prefix search is an index range scan (sqlstore/list.go, matchTerm)
-- rather than a scan of every user. Every searchable column gets one: an
-- OR of terms can use indexes only when each term can. The indexes skip
-- empty values (a search is never empty), so a column most users leave
-- empty, such as phone, costs nothing and does not mislead the planner.
-- Keep in step with ../postgres/00011_user_profile.sql.

-- +goose Up
ALTER TABLE users ADD COLUMN custom_data TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
CREATE INDEX users_lower_id ON users ((lower(id)));
CREATE INDEX users_lower_username ON users ((lower(username))) WHERE username <> '';
CREATE INDEX users_lower_email ON users ((lower(email))) WHERE email <> '';
CREATE INDEX users_lower_phone ON users ((lower(phone))) WHERE phone <> '';
CREATE INDEX users_lower_name ON users ((lower(name))) WHERE name <> '';

-- +goose Down
DROP INDEX users_lower_name;
DROP INDEX users_lower_phone;
DROP INDEX users_lower_email;
DROP INDEX users_lower_username;
DROP INDEX users_lower_id;
ALTER TABLE users DROP COLUMN profile;
ALTER TABLE users DROP COLUMN custom_data;
