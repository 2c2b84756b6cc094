package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupCommand, while a server runs on the database: the copy is
// private, a second backup to the same file and every bad input exit 2
// with one line and write nothing, --force replaces the file, and a copy
// placed in a new data directory with the secret serves what was backed
// up.
func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := run(t, "apps", "create", "--name", "Guide", "--type", "traditional",
		"--redirect-uri", "http://localhost:3000/callback", "--data", dir); code != 0 {
		t.Fatalf("apps create: %d %s", code, errs)
	}
	if code, _, errs := run(t, "keys", "rotate", "--data", dir); code != 0 {
		t.Fatalf("keys rotate: %d %s", code, errs)
	}
	// Every backup below is taken while a server runs on the database.
	addr, stop := startServe(t, dir, "http://localhost:3001/")
	defer stop()
	to := filepath.Join(t.TempDir(), "backup.db")
	code, out, errs := run(t, "backup", "--data", dir, "--to", to)
	if code != 0 || !strings.Contains(out, "backed up") || !strings.Contains(out, "secret.key") {
		t.Fatalf("backup: %d %q %q", code, out, errs)
	}
	fi, err := os.Stat(to)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
		t.Fatalf("backup file: %v %v", fi, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(to), ".sesame-backup-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	for name, args := range map[string][]string{
		"existing file": {"backup", "--data", dir, "--to", to},
		"no --to":       {"backup", "--data", dir},
		"PostgreSQL":    {"backup", "--database-url", "postgres://localhost/x", "--to", filepath.Join(t.TempDir(), "b")},
		"no database":   {"backup", "--data", filepath.Join(t.TempDir(), "none"), "--to", filepath.Join(t.TempDir(), "b")},
	} {
		code, _, errs := run(t, args...)
		if code != ExitUsage || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%s: exit %d, %q; want 2 and one line", name, code, errs)
		}
	}
	if code, _, errs := run(t, "backup", "--database-url", "postgres://localhost/x", "--to", "x"); !strings.Contains(errs, "pg_dump") {
		t.Errorf("PostgreSQL: %d %q, want a pointer to pg_dump", code, errs)
	}

	// --force replaces the file, whole, still private.
	if code, _, errs := run(t, "users", "create", "--username", "after", "--password", "correct horse battery", "--data", dir); code != 0 {
		t.Fatalf("users create: %d %s", code, errs)
	}
	if err := os.Chmod(to, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := run(t, "backup", "--data", dir, "--to", to, "--force"); code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("backup --force: %d %q %q", code, out, errs)
	}
	if fi, err := os.Stat(to); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file after --force: %v %v", fi, err)
	}
	if code, _, errs := run(t, "backup", "--data", dir, "--to", t.TempDir(), "--force"); code != ExitUsage || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("--force onto a directory: exit %d, %q; want 2 and one line", code, errs)
	}

	if resp, err := http.Get("http://" + addr + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the server after the backups: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	restored := t.TempDir()
	copyFile(t, to, filepath.Join(restored, "sesame.db"))
	copyFile(t, filepath.Join(dir, "secret.key"), filepath.Join(restored, "secret.key"))
	code, out, errs = run(t, "apps", "list", "--data", restored)
	if code != 0 || !strings.Contains(out, "Guide") {
		t.Fatalf("apps list on the restored copy: %d %q %q", code, out, errs)
	}
	if code, out, errs := run(t, "users", "list", "--data", restored); code != 0 || !strings.Contains(out, "after") {
		t.Fatalf("users list on the restored copy (written by --force): %d %q %q", code, out, errs)
	}
	if code, out, errs := run(t, "keys", "list", "--data", restored); code != 0 || out == "" {
		t.Fatalf("keys list on the restored copy: %d %q %q", code, out, errs)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
