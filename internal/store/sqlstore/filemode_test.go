//go:build unix

package sqlstore

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// TestSQLiteFilesPrivate: the database file, its -wal and -shm files and
// the migration lock are 0600 under umask 022 in a data directory someone
// made 0755 beforehand; files an older version left 0644 are tightened.
func TestSQLiteFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	check := func(t *testing.T, dir string) {
		t.Helper()
		s := openSQLiteT(t, dir) // migrated, and open: -wal and -shm exist
		c := store.Client{ID: "c1", Name: "App", Type: store.AppSPA, CreatedAt: time.Now()}
		if err := s.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"sesame.db", "sesame.db-wal", "sesame.db-shm", "migrate.lock"} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s has mode %o, want 600", name, perm)
			}
		}
	}
	t.Run("new files", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		check(t, dir)
	})
	t.Run("loose files", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		s := openSQLiteT(t, dir)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"sesame.db", "sesame.db-wal", "sesame.db-shm", "migrate.lock"} {
			p := filepath.Join(dir, name)
			if _, err := os.Stat(p); os.IsNotExist(err) {
				// A -shm or -wal left by a crash.
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		check(t, dir)
	})
}
