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
	"github.com/sesameauth/sesame/internal/testkit"
)

// pgSchema creates a fresh schema in the database named by
// SESAME_TEST_POSTGRES_DSN, drops it when the test ends, and returns a DSN
// whose search_path selects it. It skips the test when the variable is unset.
func pgSchema(t testing.TB) string {
	t.Helper()
	return testkit.NewSchema(t, testkit.PostgresDSN(t), "sesame_test_")
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
		"SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if want := migrationCount(t, postgresDialect); applied != want {
		t.Fatalf("%d migrations recorded by replicas starting together, want %d (each once)", applied, want)
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
	if want := 1 + migrationCount(t, postgresDialect); rows != want { // goose's version-0 row plus one per migration
		t.Fatalf("goose_db_version has %d rows after re-migrating, want %d", rows, want)
	}
	if _, err := s.GetClient(t.Context(), "c"); err != nil {
		t.Fatal(err)
	}

	// Same tables, columns, types and indexes as a schema migrated once.
	ref := pgSchema(t)
	if err := Migrate(t.Context(), Options{DatabaseURL: ref}); err != nil {
		t.Fatal(err)
	}
	if a, b := pgShape(t, s.w), pgShape(t, openPostgresT(t, ref).w); a != b || a == "" {
		t.Fatalf("concurrently migrated schema differs from reference:\n%s\n---\n%s", a, b)
	}
}

// pgShape describes the current schema: columns with types and nullability,
// then index definitions with the schema name removed.
func pgShape(t *testing.T, db *sql.DB) string {
	t.Helper()
	var shape string
	err := db.QueryRowContext(t.Context(), `SELECT
		(SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable, E'\n'
			ORDER BY table_name, column_name)
		 FROM information_schema.columns WHERE table_schema = current_schema())
		|| E'\n' ||
		(SELECT string_agg(replace(indexdef, current_schema() || '.', ''), E'\n' ORDER BY indexname)
		 FROM pg_indexes WHERE schemaname = current_schema())`).Scan(&shape)
	if err != nil {
		t.Fatal(err)
	}
	return shape
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

// When the server drops the store's connections, queries either succeed on
// a fresh connection or fail with ErrUnavailable, never with a raw driver
// error, and the store recovers.
func TestPostgresConnectionsKilled(t *testing.T) {
	dsn := pgSchema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	app := "sesame_kill_" + strings.ToLower(rand.Text()[:8])
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	s := openPostgresT(t, u.String())
	ctx := t.Context()
	// Hold several pooled connections.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { s.w.ExecContext(ctx, "SELECT pg_sleep(0.05)") })
	}
	wg.Wait()

	admin, err := sql.Open(postgresDriver, os.Getenv("SESAME_TEST_POSTGRES_DSN"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed int
	if err := admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1`, app).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("no connections to kill")
	}
	var failures int
	for i := range 10 {
		_, err := s.GetClient(ctx, "x")
		switch {
		case errors.Is(err, store.ErrNotFound):
		case errors.Is(err, store.ErrUnavailable):
			failures++
		default:
			t.Fatalf("query %d after killing %d connections: %v (want ErrNotFound or ErrUnavailable)", i, killed, err)
		}
	}
	t.Logf("killed %d connections; %d of 10 queries failed with ErrUnavailable", killed, failures)
	if failures == 10 {
		t.Fatal("store did not recover after its connections were killed")
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after recovery: %v", err)
	}
}

// When the database becomes unreachable, every operation fails with an
// error wrapping store.ErrUnavailable (the HTTP layer answers 503).
func TestPostgresDatabaseGone(t *testing.T) {
	dsn := pgSchema(t)
	u, proxy := testkit.ProxyPostgres(t, dsn)
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	s := openPostgresT(t, u.String())
	ctx := t.Context()
	if _, err := s.GetClient(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("through the proxy: %v", err)
	}
	proxy.Close() // drops every connection and refuses new ones
	n := time.Now()
	checks := map[string]error{
		"Ping":      s.Ping(ctx),
		"GetClient": func() error { _, err := s.GetClient(ctx, "x"); return err }(),
		"CreateAccessToken": s.CreateAccessToken(ctx, store.AccessToken{Hash: benchHash(), ClientID: "c",
			CreatedAt: n, ExpiresAt: n.Add(time.Hour)}),
		"RedeemCode": func() error {
			_, err := s.RedeemCode(ctx, benchHash(), n, func(store.AuthCode) (store.CodeIssue, error) {
				return store.CodeIssue{}, nil
			})
			return err
		}(),
		"ReserveAttempt": func() error { _, _, err := s.ReserveAttempt(ctx, "k", 5, time.Minute, n); return err }(),
		"Migrate":        Migrate(ctx, Options{DatabaseURL: u.String()}),
	}
	for name, err := range checks {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with the database gone: %v, want ErrUnavailable", name, err)
		}
	}
}
