//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDataFilesPrivate: under umask 022 and in a data directory made 0755
// beforehand, every file the CLI leaves in it (database, migration lock,
// secret key) is 0600, and a secret.key an older version left 0644 is
// tightened.
func TestDataFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"users", "create", "--username", "xena", "--password", "xena's password"},
		{"keys", "rotate"},
	} {
		if code, _, errs := run(t, append(args, "--data", dir)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
	}
	checkPrivate := func(want ...string) {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, e.Name())
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s has mode %o, want 600", e.Name(), perm)
			}
		}
		for _, w := range want {
			if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+w+" ") {
				t.Errorf("no %s among %v", w, names)
			}
		}
	}
	checkPrivate("sesame.db", "migrate.lock", "secret.key")
	if err := os.Chmod(filepath.Join(dir, "secret.key"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, "keys", "rotate", "--data", dir); code != 0 {
		t.Fatalf("keys rotate: exit %d: %s", code, errs)
	}
	checkPrivate("secret.key")
}
