package sqlstore

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/storetest"
)

func openSQLiteT(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Options{DataDir: dir})
	if err != nil {
		t.Fatalf("Open sqlite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openSQLiteT(t, t.TempDir())
	})
}

func TestSQLiteReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // Open creates it
	s, err := Open(t.Context(), Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	n := time.Now()
	c := store.Client{ID: "c1", Name: "App", Type: store.AppNative, RedirectURIs: []string{"app:/cb"}, CreatedAt: n}
	if err := s.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("data dir mode %o, want 700", perm)
	}

	// Reopen (migrations run again and must be a no-op) and read back.
	s = openSQLiteT(t, dir)
	got, err := s.GetClient(t.Context(), "c1")
	if err != nil {
		t.Fatalf("after reopen: %v", err)
	}
	if got.Name != "App" || !got.CreatedAt.Equal(n) {
		t.Fatalf("after reopen got %+v", got)
	}
	if err := Migrate(t.Context(), Options{DataDir: dir}); err != nil {
		t.Fatalf("Migrate on migrated db: %v", err)
	}
	var versions int
	if err := s.w.QueryRowContext(t.Context(), "SELECT count(*) FROM goose_db_version").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if want := 1 + migrationCount(t, sqliteDialect); versions != want { // goose's version-0 row plus one per migration
		t.Fatalf("goose_db_version has %d rows after migrating three times, want %d", versions, want)
	}
	var mode string
	if err := s.w.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q (%v), want wal", mode, err)
	}
}

func TestSQLiteSkipMigrate(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), Options{DataDir: dir, SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetClient(t.Context(), "x"); err == nil {
		t.Fatal("query on an unmigrated database succeeded")
	}
	if err := Migrate(t.Context(), Options{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetClient(t.Context(), "x"); err != store.ErrNotFound {
		t.Fatalf("after Migrate: %v, want ErrNotFound", err)
	}
}

func TestOpenRequiresDataDir(t *testing.T) {
	if _, err := Open(t.Context(), Options{}); err == nil {
		t.Fatal("Open without DatabaseURL or DataDir succeeded")
	}
}

// GetUserByLogin runs on every sign-in: it must use the unique indexes.
func TestSQLiteLoginUsesIndex(t *testing.T) {
	s := openSQLiteT(t, t.TempDir())
	rows, err := s.r.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+s.d.q(userByLoginQuery), "alice")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	for _, step := range plan {
		if strings.HasPrefix(step, "SCAN users") {
			t.Fatalf("login lookup scans the users table: %q", plan)
		}
	}
}

// TestSQLiteConcurrentMigrate: commands starting together on a fresh data
// directory migrate once; the others wait and find nothing to do (before
// the migration lock, all but one failed on "table already exists").
func TestSQLiteConcurrentMigrate(t *testing.T) {
	for round := range 5 {
		dir := t.TempDir()
		errs := make([]error, 4)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { errs[i] = Migrate(t.Context(), Options{DataDir: dir}) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: Migrate %d: %v", round, i, err)
			}
		}
		s := openSQLiteT(t, dir)
		var applied int
		if err := s.w.QueryRowContext(t.Context(), "SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if want := migrationCount(t, sqliteDialect); applied != want {
			t.Fatalf("round %d: %d migrations recorded, want %d (each once)", round, applied, want)
		}
	}
}
