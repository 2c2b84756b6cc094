package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// TestUsersResetMFA: reset-mfa removes the TOTP and backup codes of a user
// named by username or email, records Admin.User.ResetMfa, and answers bad
// input with one line and exit 2.
func TestUsersResetMFA(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if code, _, errs := run(t, "users", "create", "--username", "zed", "--email", "zed@example.com", "--password", "long enough", "--data", dir); code != 0 {
		t.Fatal(errs)
	}
	st, err := sqlstore.Open(ctx, sqlstore.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := directory.Users{Store: st}.Find(ctx, "zed")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTOTP(ctx, store.TOTP{UserID: u.ID, Secret: []byte("sealed"), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.ReplaceBackupCodes(ctx, u.ID, [][]byte{[]byte("h1"), []byte("h2")}, time.Now()); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "users", "reset-mfa", "zed@example.com", "--data", dir)
	if code != 0 || !strings.Contains(out, "Totp") || !strings.Contains(out, "BackupCode") {
		t.Fatalf("reset-mfa: %d %q %q", code, out, errs)
	}
	if _, err := st.GetTOTP(ctx, u.ID); err == nil {
		t.Error("TOTP left after reset-mfa")
	}
	if n, _ := st.BackupCodesLeft(ctx, u.ID); n != 0 {
		t.Errorf("%d backup codes left after reset-mfa", n)
	}
	es, _, err := st.ListAudit(ctx, audit.Query{UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range es {
		found = found || e.Key == "Admin.User.ResetMfa" && strings.Contains(string(e.Before), "Totp")
	}
	if !found {
		t.Errorf("no Admin.User.ResetMfa audit entry: %+v", es)
	}
	if code, out, _ := run(t, "users", "reset-mfa", "zed", "--data", dir); code != 0 || !strings.Contains(out, "no second factor") {
		t.Errorf("second reset-mfa: %d %q", code, out)
	}
	for _, args := range [][]string{{"users", "reset-mfa", "--data", dir}, {"users", "reset-mfa", "nobody", "--data", dir}} {
		code, _, errs := run(t, args...)
		if code != 2 || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: exit %d, %q; want 2 and one line", args, code, errs)
		}
	}
}
