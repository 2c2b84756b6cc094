-- The number of users, kept by triggers in the writing transaction, so the
-- unfiltered user list's total (Total-Number on every page) is one row
-- read instead of a count over every user (bench/README.md, issue 10).
-- The triggers run once per statement: a bulk insert updates the row once.
-- Keep in step with ../sqlite/00016_user_count.sql.

-- +goose Up
CREATE TABLE row_counts (
    name TEXT   NOT NULL PRIMARY KEY,
    n    BIGINT NOT NULL
);
INSERT INTO row_counts (name, n) SELECT 'users', count(*) FROM users;
-- +goose StatementBegin
CREATE FUNCTION users_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE row_counts SET n = n + (SELECT count(*) FROM new_rows) WHERE name = 'users';
    ELSE
        UPDATE row_counts SET n = n - (SELECT count(*) FROM old_rows) WHERE name = 'users';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_count_insert AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION users_count();
CREATE TRIGGER users_count_delete AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION users_count();

-- +goose Down
DROP TRIGGER users_count_delete ON users;
DROP TRIGGER users_count_insert ON users;
DROP FUNCTION users_count();
DROP TABLE row_counts;
