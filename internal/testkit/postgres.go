package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresEnv names the admin DSN of the test PostgreSQL server.
const PostgresEnv = "SESAME_TEST_POSTGRES_DSN"

// PostgresDSN returns $SESAME_TEST_POSTGRES_DSN and skips the test when it
// is unset.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		t.Skip(PostgresEnv + " not set")
	}
	return dsn
}

// CreateDatabase creates an empty database named prefix plus a random
// suffix on the server of adminDSN. It returns the name, a DSN for it (the
// admin DSN with the database swapped), and drop, which removes it even
// while clients are still connected.
func CreateDatabase(ctx context.Context, adminDSN, prefix string) (name, dsn string, drop func() error, err error) {
	name = prefix + uniqueSuffix()
	if err := adminExec(ctx, adminDSN, "CREATE DATABASE "+name); err != nil {
		return "", "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(adminDSN)
	if err != nil {
		return "", "", nil, err
	}
	u.Path = "/" + name
	drop = func() error {
		return adminExec(context.Background(), adminDSN, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return name, u.String(), drop, nil
}

// NewDatabase is CreateDatabase for a test: the database is dropped when
// the test ends.
func NewDatabase(t testing.TB, adminDSN, prefix string) (name, dsn string) {
	t.Helper()
	name, dsn, drop, err := CreateDatabase(t.Context(), adminDSN, prefix)
	if err != nil {
		t.Fatalf("%v (is PostgreSQL running at %s?)", err, hostOf(adminDSN))
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return name, dsn
}

// NewSchema creates a fresh schema in the database of adminDSN, drops it
// with everything in it when the test ends, and returns a DSN whose
// search_path selects it. A schema costs a few milliseconds where a
// database costs most of a second, so suites that open a store per subtest
// use schemas.
func NewSchema(t testing.TB, adminDSN, prefix string) string {
	t.Helper()
	schema := prefix + uniqueSuffix()
	if err := adminExec(t.Context(), adminDSN, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled during Cleanup.
		if err := adminExec(context.Background(), adminDSN, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(adminDSN)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func adminExec(ctx context.Context, adminDSN, stmt string) error {
	db, err := sql.Open("pgx", adminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// uniqueSuffix is 12 random lower-case letters and digits: a valid
// unquoted identifier part.
func uniqueSuffix() string { return strings.ToLower(rand.Text()[:12]) }

func hostOf(dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		return u.Host
	}
	return "?"
}
