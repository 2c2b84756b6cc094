package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMasterSecrets: one secret as before, a comma-separated list during a
// rotation (first is current), each member at least 32 characters; with
// SQLite the lines of secret.key.
func TestMasterSecrets(t *testing.T) {
	a, b := strings.Repeat("a", 32), strings.Repeat("b", 40)
	c := Config{Secret: a}
	if ring, err := c.MasterSecrets(); err != nil || len(ring) != 1 || string(ring.Current()) != a {
		t.Fatalf("one secret: %q, %v", ring, err)
	}
	c = Config{Secret: b + ", " + a}
	ring, err := c.MasterSecrets()
	if err != nil || len(ring) != 2 || string(ring[0]) != b || string(ring[1]) != a {
		t.Fatalf("list: %q, %v", ring, err)
	}
	if m, _ := c.MasterSecret(); string(m) != b {
		t.Fatalf("MasterSecret = %q, want the first of the list", m)
	}
	for _, bad := range []string{"short", b + ",short", b + ",", "," + b} {
		c = Config{Secret: bad}
		if err := c.ValidateSecret(); err == nil || !strings.Contains(err.Error(), "at least 32") {
			t.Errorf("ValidateSecret(%q) = %v", bad, err)
		}
	}

	dir := t.TempDir()
	c = Config{DataDir: dir}
	first, err := c.MasterSecrets()
	if err != nil || len(first) != 1 || len(first[0]) != 64 {
		t.Fatalf("generated: %q, %v", first, err)
	}
	next := NewSecret()
	if err := c.WriteSecretFile(append(ringOf(next), first...)); err != nil {
		t.Fatal(err)
	}
	ring, err = c.MasterSecrets()
	if err != nil || len(ring) != 2 || string(ring[0]) != next || string(ring[1]) != string(first[0]) {
		t.Fatalf("secret.key with two lines: %q, %v", ring, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "secret.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key mode: %v %v", fi.Mode(), err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.key"), []byte(next+"\nshort\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.MasterSecrets(); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Fatalf("a short line in secret.key: %v", err)
	}
}

func ringOf(s ...string) (r [][]byte) {
	for _, x := range s {
		r = append(r, []byte(x))
	}
	return r
}
