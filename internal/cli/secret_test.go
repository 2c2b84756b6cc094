package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/testkit"
)

// TestSecretRotateErrors: bad input is one line and exit status 2.
func TestSecretRotateErrors(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := run(t, "keys", "rotate", "--data", dir); code != 0 {
		t.Fatalf("keys rotate: exit %d %s", code, errs)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"short", []string{"--data", dir, "--secret", "too-short"}, "at least 32 characters"},
		{"short old", []string{"--data", dir, "--secret", strings.Repeat("n", 32) + ",short"}, "at least 32 characters"},
		{"no database", []string{"--data", t.TempDir()}, "no database"},
		{"wrong secrets", []string{"--data", dir, "--secret", strings.Repeat("n", 32) + "," + strings.Repeat("o", 32)}, "cannot be opened"},
		{"unknown flag", []string{"--data", dir, "--nope"}, "nope"},
	} {
		code, _, errs := run(t, append([]string{"secret", "rotate"}, c.args...)...)
		if code != 2 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, %q; want 2 and one line with %q", c.name, code, errs, c.want)
		}
	}
	t.Run("PostgreSQL", func(t *testing.T) {
		dsn := testkit.PostgresDSN(t)
		t.Setenv("SESAME_SECRET", "")
		code, _, errs := run(t, "secret", "rotate", "--database-url", dsn)
		if code != 2 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "SESAME_SECRET (or --secret) is required") {
			t.Errorf("PostgreSQL without a secret: exit %d, %q", code, errs)
		}
	})
}

// TestSecretRotateFile: SQLite's generated secret.key rotates in two runs:
// the first puts a new secret in front of the old one, the second
// re-encrypts and keeps only the new one; the keys then open under it.
func TestSecretRotateFile(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := run(t, "keys", "rotate", "--data", dir); code != 0 {
		t.Fatalf("keys rotate: exit %d %s", code, errs)
	}
	path := filepath.Join(dir, "secret.key")
	lines := func() []string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Fatalf("secret.key mode %v", fi.Mode().Perm())
		}
		return strings.Fields(string(b))
	}
	old := lines()
	if len(old) != 1 {
		t.Fatalf("secret.key has %d lines", len(old))
	}
	code, out, errs := run(t, "secret", "rotate", "--data", dir)
	if code != 0 || !strings.Contains(out, "run 'sesame secret rotate' again") {
		t.Fatalf("first rotate: exit %d %q %s", code, out, errs)
	}
	two := lines()
	if len(two) != 2 || two[1] != old[0] || two[0] == old[0] || len(two[0]) < 32 {
		t.Fatalf("after the first run secret.key is %d lines (new first, old second expected)", len(two))
	}
	code, out, errs = run(t, "secret", "rotate", "--data", dir)
	if code != 0 || !strings.Contains(out, "2 signing keys") {
		t.Fatalf("second rotate: exit %d %q %s", code, out, errs)
	}
	if now := lines(); len(now) != 1 || now[0] != two[0] {
		t.Fatal("after the second run secret.key does not hold the new secret alone")
	}
	// The keys open under the new secret alone (keys rotate loads them all).
	if code, _, errs := run(t, "keys", "rotate", "--data", dir); code != 0 {
		t.Fatalf("keys rotate after the rotation: exit %d %s", code, errs)
	}
	// Under the old one they do not.
	if code, _, errs := run(t, "keys", "rotate", "--data", dir, "--secret", old[0]); code == 0 || !strings.Contains(errs, "cannot decrypt") {
		t.Fatalf("keys rotate with the old secret: exit %d %s", code, errs)
	}
}

// TestSecretRotatePostgres: with PostgreSQL the list comes from --secret
// (or SESAME_SECRET); after the rotation the keys open under the new
// secret alone and no longer under the old one.
func TestSecretRotatePostgres(t *testing.T) {
	dsn := testkit.NewSchema(t, testkit.PostgresDSN(t), "secretrotate")
	oldS, newS := strings.Repeat("o", 40), strings.Repeat("n", 40)
	if code, _, errs := run(t, "keys", "rotate", "--database-url", dsn, "--secret", oldS); code != 0 {
		t.Fatalf("keys rotate: exit %d %s", code, errs)
	}
	if code, _, errs := run(t, "secret", "rotate", "--database-url", dsn, "--secret", newS); code != 2 || !strings.Contains(errs, "cannot be opened") {
		t.Fatalf("rotate without the old secret: exit %d %q", code, errs)
	}
	code, out, errs := run(t, "secret", "rotate", "--database-url", dsn, "--secret", newS+","+oldS)
	if code != 0 || !strings.Contains(out, "2 signing keys") || !strings.Contains(out, "SESAME_SECRET to the new secret alone") {
		t.Fatalf("secret rotate: exit %d %q %s", code, out, errs)
	}
	if code, out, _ := run(t, "secret", "rotate", "--database-url", dsn, "--secret", newS+", "+oldS); code != 0 || !strings.Contains(out, " 0 signing keys") {
		t.Fatalf("re-run: exit %d %q", code, out)
	}
	if code, _, errs := run(t, "keys", "rotate", "--database-url", dsn, "--secret", newS); code != 0 {
		t.Fatalf("keys rotate under the new secret: exit %d %s", code, errs)
	}
	if code, _, errs := run(t, "keys", "rotate", "--database-url", dsn, "--secret", oldS); code == 0 || !strings.Contains(errs, "cannot decrypt") {
		t.Fatalf("keys rotate under the old secret: exit %d %s", code, errs)
	}
}
