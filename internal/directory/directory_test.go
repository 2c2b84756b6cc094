package directory_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
)

var fastHash = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func wantCode(t *testing.T, what string, err error, target error, message string) {
	t.Helper()
	var e *directory.Error
	if !errors.Is(fmt.Errorf("wrapped: %w", err), target) || !errors.As(err, &e) || e.Message != message || !directory.IsBadInput(err) {
		t.Fatalf("%s: got %#v, want %v with message %q", what, err, target, message)
	}
}

// TestRulesAreTypedErrors: a broken rule is bad input with a stable code
// and the message the CLI prints; identity's rules keep their own code and
// error, so errors.Is reaches them.
func TestRulesAreTypedErrors(t *testing.T) {
	a := directory.NewApp{Name: "x", Type: "spa", RedirectURIs: []string{"http://evil.example/cb"}}
	err := directory.CheckNewApp(&a)
	if !errors.Is(err, directory.ErrAppRedirectURI) {
		t.Fatalf("CheckNewApp: %v", err)
	}
	wantCode(t, "no name", directory.CheckNewApp(&directory.NewApp{Type: "spa"}), directory.ErrAppName,
		"--name is required (at most 256 characters)")
	wantCode(t, "m2m with redirect", directory.CheckNewApp(&directory.NewApp{Name: "x", Type: "M2M", RedirectURIs: []string{"https://a.example/cb"}}),
		directory.ErrAppType, "m2m apps have no redirect URIs")
	wantCode(t, "grace", directory.CheckGrace(-time.Second), directory.ErrAppGrace, "--grace must be between 0 and 2160h (90 days)")

	err = directory.CheckNewUser(&directory.NewUser{Username: "ab", Password: "long enough"})
	if !errors.Is(err, identity.ErrUsernameLength) || err.Error() != "--username: Usernames are 3 to 64 characters long." {
		t.Fatalf("CheckNewUser short username: %v", err)
	}
	var e *directory.Error
	if !errors.As(err, &e) || e.Code != "username.length" {
		t.Fatalf("code of a short username: %#v", err)
	}
	nu := directory.NewUser{Username: "  ALICE ", Email: "Alice@Example.COM", Password: "long enough"}
	if err := directory.CheckNewUser(&nu); err != nil || nu.Username != "alice" || nu.Email != "alice@example.com" {
		t.Fatalf("CheckNewUser canonical: %v %+v", err, nu)
	}
	wantCode(t, "verified without email", directory.CheckNewUser(&directory.NewUser{Username: "bob", Password: "long enough", EmailVerified: true}),
		directory.ErrUserInvalid, "--email-verified needs --email")
}

// TestCreateM2MApp: an M2M app's permissions go to its own role in the
// same write; a permission on an unknown resource leaves no app behind.
func TestCreateM2MApp(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	if _, err := (directory.Resources{Store: st}).Create(ctx, directory.NewResource{Indicator: "https://api.example",
		Name: "API", Scopes: []string{"read", "write"}, AccessTokenTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	apps := directory.Apps{Store: st}
	read := store.Permission{Resource: "https://api.example", Scope: "read"}
	v, secret, err := apps.Create(ctx, directory.NewApp{Name: " Robot ", Type: "m2m", Permissions: []store.Permission{read}})
	if err != nil || len(secret) != 32 || len(v.Client.ID) != 21 || v.Client.Name != "Robot" {
		t.Fatalf("Create: %+v %q %v", v, secret, err)
	}
	got, err := apps.View(ctx, v.Client)
	if err != nil || len(got.Permissions) != 1 || got.Permissions[0] != read || len(got.Roles) != 1 || got.Roles[0].Name != "app:"+v.Client.ID {
		t.Fatalf("View: %+v %v", got, err)
	}

	_, _, err = apps.Create(ctx, directory.NewApp{Name: "Bad", Type: "m2m",
		Permissions: []store.Permission{{Resource: "https://nope.example", Scope: "read"}}})
	wantCode(t, "unknown resource", err, directory.ErrResourceNotFound,
		`no API resource "https://nope.example" (create it with `+"`sesame resources create`)")
	_, _, err = apps.Create(ctx, directory.NewApp{Name: "Bad", Type: "m2m",
		Permissions: []store.Permission{{Resource: "https://api.example", Scope: "admin"}}})
	wantCode(t, "unknown scope", err, directory.ErrResourceNoScope, `API resource "https://api.example" defines no scope "admin"`)
	if list, err := apps.List(ctx); err != nil || len(list) != 1 {
		t.Fatalf("apps after refused creations: %+v %v", list, err)
	}

	// Permit widens the own role, Unpermit takes a resource out of it.
	write := store.Permission{Resource: "https://api.example", Scope: "write"}
	if err := apps.Permit(ctx, v.Client, []store.Permission{write}); err != nil {
		t.Fatal(err)
	}
	if ps, _ := st.ClientPermissions(ctx, v.Client.ID); len(ps) != 2 {
		t.Fatalf("after Permit: %v", ps)
	}
	if err := apps.Unpermit(ctx, v.Client, "https://api.example"); err != nil {
		t.Fatal(err)
	}
	if ps, _ := st.ClientPermissions(ctx, v.Client.ID); len(ps) != 0 {
		t.Fatalf("after Unpermit: %v", ps)
	}
	if err := apps.Delete(ctx, v.Client.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetRole(ctx, directory.AppRoleID(v.Client.ID)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("own role after Delete: %v", err)
	}
	wantCode(t, "delete twice", apps.Delete(ctx, v.Client.ID), directory.ErrAppNotFound, fmt.Sprintf("no app with id %q", v.Client.ID))
}

// TestUsers: create, find by any identifier, update, password change.
func TestUsers(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	users := directory.Users{Store: st, PasswordParams: fastHash}
	u, err := users.Create(ctx, directory.NewUser{Username: "Alice", Email: "alice@example.com", Password: "long enough", EmailVerified: true})
	if err != nil || u.Username != "alice" || !u.EmailVerified {
		t.Fatalf("Create: %+v %v", u, err)
	}
	_, err = users.Create(ctx, directory.NewUser{Username: "ALICE", Password: "long enough"})
	wantCode(t, "duplicate", err, directory.ErrUserExists, "a user with that username or email already exists")
	for _, who := range []string{u.ID, "ALICE", "Alice@Example.com"} {
		if got, err := users.Find(ctx, who); err != nil || got.ID != u.ID {
			t.Fatalf("Find(%q): %+v %v", who, got, err)
		}
	}
	_, err = users.Find(ctx, "nobody")
	wantCode(t, "unknown user", err, directory.ErrUserNotFound, `no user "nobody"`)

	email, name := "New@Example.com", "  Alice A. "
	if err := users.Edit(ctx, u, directory.UserUpdate{Email: &email, Name: &name}); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetUser(ctx, u.ID)
	if got.Email != "new@example.com" || got.EmailVerified || got.Name != "Alice A." {
		t.Fatalf("after Update: %+v", got)
	}
	pw := "another password"
	if err := users.Edit(ctx, u, directory.UserUpdate{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	got, _ = st.GetUser(ctx, u.ID)
	if password.Verify(ctx, pw, got.PasswordHash) != nil {
		t.Fatal("new password does not verify")
	}
	short := "short"
	err = users.Edit(ctx, u, directory.UserUpdate{Password: &short})
	if !errors.Is(err, identity.ErrPasswordTooShort) {
		t.Fatalf("short password: %v", err)
	}
}

// TestKeysRotateAlg: an empty algorithm takes the newest key's.
func TestKeysRotateAlg(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	keys := directory.Keys{Store: st, Master: []byte("directory-test-master-secret-0123456789"), PublishDelay: 90 * time.Second}
	for _, tc := range []struct{ alg, want string }{{"", "ES384"}, {"RS256", "RS256"}, {"", "RS256"}, {"ES256", "ES256"}, {"", "ES256"}} {
		k, err := keys.Rotate(ctx, tc.alg)
		if err != nil || k.Alg != tc.want {
			t.Fatalf("Rotate(%q) = %s, %v; want %s", tc.alg, k.Alg, err, tc.want)
		}
	}
	_, err := keys.Rotate(ctx, "HS256")
	if !errors.Is(err, directory.ErrKeyAlg) {
		t.Fatalf("Rotate(HS256): %v", err)
	}
}

// TestUsersPasswordPolicy: creating a user and setting a password obey the
// sign-in experience's policy, the one registration checks.
func TestUsersPasswordPolicy(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	policy := identity.DefaultPasswordPolicy()
	policy.Length.Min = 12
	users := directory.Users{Store: st, PasswordParams: fastHash,
		Policy: func(context.Context) (identity.PasswordPolicy, error) { return policy, nil }}
	_, err := users.Create(ctx, directory.NewUser{Username: "carol", Password: "eleven char"})
	if !errors.Is(err, identity.ErrPasswordTooShort) || !directory.IsBadInput(err) {
		t.Fatalf("Create with a short password: %v", err)
	}
	u, err := users.Create(ctx, directory.NewUser{Username: "carol", Password: "twelve chars"})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.SetPassword(ctx, u.ID, "eleven char"); !errors.Is(err, identity.ErrPasswordTooShort) {
		t.Fatalf("SetPassword short: %v", err)
	}
	policy.Rejects.UserInfo = true
	if err := users.SetPassword(ctx, u.ID, "carol-password"); !errors.Is(err, identity.ErrPasswordUserInfo) {
		t.Fatalf("SetPassword with the username: %v", err)
	}
}
