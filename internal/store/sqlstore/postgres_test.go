package sqlstore

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/storetest"
)

// pgSchema creates a fresh schema in the database named by
// SESAME_TEST_POSTGRES_DSN, drops it when the test ends, and returns a DSN
// whose search_path selects it. It skips the test when the variable is unset.
func pgSchema(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("SESAME_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SESAME_TEST_POSTGRES_DSN not set")
	}
	admin, err := sql.Open(postgresDriver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := "sesame_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled during Cleanup.
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func openPostgresT(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Options{DatabaseURL: dsn})
	if err != nil {
		t.Fatalf("Open postgres: %v", err)
	}
	t.Cleanup(func() { s.Close() }) // runs before the schema is dropped
	return s
}

func TestPostgresConformance(t *testing.T) {
	pgSchema(t) // skip early when unset
	storetest.Run(t, func(t *testing.T) store.Store {
		return openPostgresT(t, pgSchema(t))
	})
}

func TestPostgresConcurrentMigrate(t *testing.T) {
	dsn := pgSchema(t)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = Migrate(t.Context(), Options{DatabaseURL: dsn}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Migrate %d: %v", i, err)
		}
	}
	s := openPostgresT(t, dsn)
	var applied int
	if err := s.w.QueryRowContext(t.Context(),
		"SELECT count(*) FROM goose_db_version WHERE version_id = 1 AND is_applied").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != 1 {
		t.Fatalf("migration 1 recorded %d times, want 1", applied)
	}
	// The schema works.
	if err := s.CreateClient(t.Context(), store.Client{ID: "c", Name: "c", Type: store.AppSPA, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// Migrating again is a no-op.
	if err := Migrate(t.Context(), Options{DatabaseURL: dsn}); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	var rows int
	if err := s.w.QueryRowContext(t.Context(), "SELECT count(*) FROM goose_db_version").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 2 { // goose's version-0 row plus migration 1
		t.Fatalf("goose_db_version has %d rows after re-migrating, want 2", rows)
	}
	if _, err := s.GetClient(t.Context(), "c"); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresUnavailable(t *testing.T) {
	// Nothing listens on port 1.
	_, err := Open(t.Context(), Options{DatabaseURL: "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", SkipMigrate: true})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Open on a closed port: %v, want ErrUnavailable", err)
	}
	err = Migrate(t.Context(), Options{DatabaseURL: "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Migrate on a closed port: %v, want ErrUnavailable", err)
	}
}

func TestPostgresStoppedDatabase(t *testing.T) {
	s := openPostgresT(t, pgSchema(t))
	s.Close() // a closed pool behaves like a lost database to callers
	_, err := s.GetClient(t.Context(), "x")
	if err == nil {
		t.Fatal("query on a closed store succeeded")
	}
}
