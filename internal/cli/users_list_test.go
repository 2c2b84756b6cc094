package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// TestUsersListPages: users list pages through the directory, searches,
// and refuses nonsense paging with exit status 2.
func TestUsersListPages(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlstore.Open(t.Context(), sqlstore.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	n := time.Now()
	for i := range 25 {
		u := store.User{ID: fmt.Sprintf("id%02d", i), Username: fmt.Sprintf("user%02d", i), CreatedAt: n.Add(time.Duration(i) * time.Second), UpdatedAt: n}
		if i%5 == 0 {
			u.Username = fmt.Sprintf("admin%02d", i)
		}
		if err := st.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	code, out, errs := run(t, "users", "list", "--data", dir, "--page", "3", "--page-size", "10")
	if code != 0 || !strings.Contains(out, "user21") || strings.Contains(out, "user19") || !strings.Contains(out, "Page 3 of 3 (25 users)") {
		t.Fatalf("page 3: %d %s %s", code, out, errs)
	}
	var page []map[string]any
	code, out, errs = run(t, "users", "list", "--data", dir, "--search", "ADMIN", "--prefix", "--page-size", "2", "--page", "2", "--json")
	if err := json.Unmarshal([]byte(out), &page); code != 0 || err != nil || len(page) != 2 || page[0]["username"] != "admin10" || page[1]["username"] != "admin15" {
		t.Fatalf("prefix search page 2: %d %s %s", code, out, errs)
	}
	if code, out, _ = run(t, "users", "list", "--data", dir, "--search", "min2"); code != 0 || !strings.Contains(out, "admin20") || strings.Contains(out, "admin15") {
		t.Fatalf("contains search: %d %s", code, out)
	}
	for _, args := range [][]string{{"--page", "0"}, {"--page-size", "101"}, {"--page-size", "0"}, {"--prefix"}, {"--page", "x"}} {
		code, _, errs := run(t, append([]string{"users", "list", "--data", dir}, args...)...)
		if code != 2 || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("users list %v: exit %d, stderr %q; want 2 and one line", args, code, errs)
		}
	}
}

// TestUsersListAll: without --page or --page-size, `users list` prints
// every user, across as many store pages as it takes, as it did before
// paging existed (the crash-safety e2e test reads it with --json).
func TestUsersListAll(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlstore.Open(t.Context(), sqlstore.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	n := time.Now()
	const count = 2*store.MaxPageSize + 7
	for i := range count {
		u := store.User{ID: fmt.Sprintf("id%03d", i), Username: fmt.Sprintf("user%03d", i), CreatedAt: n.Add(time.Duration(i) * time.Second), UpdatedAt: n}
		if err := st.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	var all []map[string]any
	code, out, errs := run(t, "users", "list", "--data", dir, "--json")
	if err := json.Unmarshal([]byte(out), &all); code != 0 || err != nil || len(all) != count {
		t.Fatalf("users list --json: exit %d, %d users (want %d), %v %s", code, len(all), count, err, errs)
	}
	seen := map[any]bool{}
	for _, u := range all {
		seen[u["username"]] = true
	}
	if len(seen) != count {
		t.Fatalf("users list --json: %d distinct users, want %d", len(seen), count)
	}
	if code, out, _ := run(t, "users", "list", "--data", dir); code != 0 || strings.Count(out, "\n") != count+1 || strings.Contains(out, "Page ") {
		t.Fatalf("users list: exit %d, %d lines:\n%.300s", code, strings.Count(out, "\n"), out)
	}
}
