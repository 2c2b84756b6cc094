package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAppsCORSOrigins: --cors-origin on apps create and apps set-cors takes
// origins only, stores them as browsers send them, and apps list --json
// shows them; bad values are a one-line error (exit 2) that writes nothing.
func TestAppsCORSOrigins(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := run(t, "apps", "create", "--name", "SPA", "--type", "spa", "--redirect-uri", "https://spa.example/cb",
		"--cors-origin", "HTTPS://App.Example:443", "--cors-origin", "http://localhost:5173", "--cors-origin", "https://app.example",
		"--data", dir, "--json")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errs)
	}
	var app struct {
		ID          string   `json:"id"`
		CORSOrigins []string `json:"cors_origins"`
	}
	if err := json.Unmarshal([]byte(out), &app); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(app.CORSOrigins); got != "[https://app.example http://localhost:5173]" {
		t.Errorf("created with cors_origins %s", got)
	}
	listed := func() string {
		t.Helper()
		code, out, errs := run(t, "apps", "list", "--data", dir, "--json")
		var l []map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &l) != nil || len(l) != 1 {
			t.Fatalf("list: %d %s %s", code, out, errs)
		}
		return fmt.Sprint(l[0]["cors_origins"])
	}
	if got := listed(); got != "[https://app.example http://localhost:5173]" {
		t.Errorf("apps list --json cors_origins %s", got)
	}

	if code, _, errs := run(t, "apps", "set-cors", app.ID, "--cors-origin", "https://[::1]:8443", "--data", dir); code != 0 {
		t.Fatalf("set-cors: %d %s", code, errs)
	}
	if got := listed(); got != "[https://[::1]:8443]" {
		t.Errorf("after set-cors: %s", got)
	}
	if code, _, errs := run(t, "apps", "set-cors", app.ID, "--data", dir); code != 0 {
		t.Fatalf("set-cors (clear): %d %s", code, errs)
	}
	if got := listed(); got != "[]" {
		t.Errorf("after clearing: %s", got)
	}

	for _, args := range [][]string{
		{"apps", "set-cors", "no-such-app", "--cors-origin", "https://a.example"},
		{"apps", "set-cors", app.ID, "--cors-origin", "https://a.example/"},
		{"apps", "set-cors"},
	} {
		code, _, errs := run(t, append(args, "--data", dir)...)
		if code != 2 || strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
			t.Errorf("%v: exit %d %q, want 2 and one line", args, code, errs)
		}
	}
	if got := listed(); got != "[]" {
		t.Errorf("a refused set-cors changed the app: %s", got)
	}
}

// TestAppsCORSOriginRefused: only http(s) origins with a host and an
// optional port, nothing else, and none for m2m apps.
func TestAppsCORSOriginRefused(t *testing.T) {
	for _, o := range []string{
		"null", "*", "https://*.example", "ftp://a.example", "https://a.example/", "https://a.example/app",
		"https://a.example?x=1", "https://a.example#f", "https://user@a.example", "https://", "a.example",
		"https://a.example:0", "https://a.example:99999", "https://a.example:x", "https://a.example:", "javascript:alert(1)",
		"com.example.app://cb", "https://a.example ",
	} {
		dir := filepath.Join(t.TempDir(), "data")
		code, _, errs := run(t, "apps", "create", "--name", "x", "--type", "spa", "--redirect-uri", "https://a.example/cb",
			"--cors-origin", o, "--data", dir)
		if code != 2 || !strings.Contains(errs, "--cors-origin") || strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
			t.Errorf("--cors-origin %q: exit %d %q, want 2 and one line naming the flag", o, code, errs)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("--cors-origin %q: bad input created %s", o, dir)
		}
	}
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, errs := run(t, "apps", "create", "--name", "x", "--type", "m2m", "--cors-origin", "https://a.example", "--data", dir); code != 2 {
		t.Errorf("m2m with --cors-origin: exit %d %q", code, errs)
	}
}
