-- The number of users, kept by triggers in the writing transaction, so the
-- unfiltered user list's total (Total-Number on every page) is one row
-- read instead of a count over every user (bench/README.md, issue 10).
-- Keep in step with ../postgres/00016_user_count.sql.

-- +goose Up
CREATE TABLE row_counts (
    name TEXT    NOT NULL PRIMARY KEY,
    n    INTEGER NOT NULL
);
INSERT INTO row_counts (name, n) SELECT 'users', count(*) FROM users;
-- +goose StatementBegin
CREATE TRIGGER users_count_insert AFTER INSERT ON users BEGIN
    UPDATE row_counts SET n = n + 1 WHERE name = 'users';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_count_delete AFTER DELETE ON users BEGIN
    UPDATE row_counts SET n = n - 1 WHERE name = 'users';
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER users_count_delete;
DROP TRIGGER users_count_insert;
DROP TABLE row_counts;
