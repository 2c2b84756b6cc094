package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func adminRole(t *testing.T, s store.Store, n time.Time) string {
	t.Helper()
	r := store.Role{ID: id(), Name: "admins-" + id(), Type: store.RoleUser, CreatedAt: n}
	noErr(t, "CreateRole", s.CreateRole(t.Context(), r))
	return r.ID
}

func adminUser(n time.Time) store.User {
	return store.User{ID: id(), Username: "u" + id(), PasswordHash: "$argon2id$x", CreatedAt: n, UpdatedAt: n}
}

func testSetupFirstAdmin(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	role := adminRole(t, s, n)
	tok, expired := hash(), hash()
	noErr(t, "CreateSetupToken", s.CreateSetupToken(ctx, tok, n, n.Add(time.Hour)))
	noErr(t, "CreateSetupToken expired", s.CreateSetupToken(ctx, expired, n.Add(-2*time.Hour), n.Add(-time.Hour)))

	wantErr(t, "unknown token", s.SetupFirstAdmin(ctx, hash(), n, adminUser(n), role), store.ErrNotFound)
	wantErr(t, "expired token", s.SetupFirstAdmin(ctx, expired, n, adminUser(n), role), store.ErrNotFound)
	wantErr(t, "missing role", s.SetupFirstAdmin(ctx, tok, n, adminUser(n), "no-such-role"), store.ErrNotFound)
	// The token is still usable after those failures.
	u := adminUser(n)
	noErr(t, "SetupFirstAdmin", s.SetupFirstAdmin(ctx, tok, n, u, role))
	got, err := s.AllRoleUsers(ctx, role)
	noErr(t, "AllRoleUsers", err)
	if len(got) != 1 || got[0].ID != u.ID {
		t.Fatalf("holders after setup = %+v, want %s", got, u.ID)
	}
	// Single use.
	wantErr(t, "used token", s.SetupFirstAdmin(ctx, tok, n, adminUser(n), role), store.ErrNotFound)
	// Once someone holds the role, a fresh token is refused and stays unused.
	fresh := hash()
	noErr(t, "CreateSetupToken", s.CreateSetupToken(ctx, fresh, n, n.Add(time.Hour)))
	wantErr(t, "setup done", s.SetupFirstAdmin(ctx, fresh, n, adminUser(n), role), store.ErrRoleHeld)
	if us, _ := s.ListUsers(ctx); len(us) != 1 {
		t.Fatalf("users after refused setups = %d, want 1", len(us))
	}
}

func testSetupFirstAdminRace(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	role := adminRole(t, s, n)
	toks := [][]byte{hash(), hash(), hash(), hash()}
	for _, h := range toks {
		noErr(t, "CreateSetupToken", s.CreateSetupToken(ctx, h, n, n.Add(time.Hour)))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(toks))
	for i, h := range toks {
		wg.Go(func() { errs[i] = s.SetupFirstAdmin(ctx, h, n, adminUser(n), role) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	got, err := s.AllRoleUsers(ctx, role)
	noErr(t, "AllRoleUsers", err)
	if ok != 1 || len(got) != 1 {
		t.Fatalf("concurrent setups: %d succeeded (%v), %d holders; want exactly 1", ok, errs, len(got))
	}
}

func testAdminHolders(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	role := adminRole(t, s, n)
	a, b := adminUser(n), adminUser(n.Add(time.Second))
	noErr(t, "CreateUserWithRole a", s.CreateUserWithRole(ctx, a, role))
	noErr(t, "CreateUserWithRole b", s.CreateUserWithRole(ctx, b, role))
	clash := adminUser(n)
	clash.Username = a.Username
	wantErr(t, "clash", s.CreateUserWithRole(ctx, clash, role), store.ErrAlreadyExists)
	wantErr(t, "missing role", s.CreateUserWithRole(ctx, adminUser(n), "no-such-role"), store.ErrNotFound)
	if us, _ := s.ListUsers(ctx); len(us) != 2 {
		t.Fatalf("users = %d, want 2 (failed creations write nothing)", len(us))
	}
	got, err := s.AllRoleUsers(ctx, role)
	noErr(t, "AllRoleUsers", err)
	if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID {
		t.Fatalf("holders = %+v, want a then b", got)
	}
	// b suspended: a is the last enabled holder.
	_, err = s.SuspendUser(ctx, b.ID, true, n)
	noErr(t, "SuspendUser", err)
	wantErr(t, "last holder", s.UnassignUserRoleUnlessLast(ctx, a.ID, role), store.ErrLastHolder)
	noErr(t, "unassign suspended b", s.UnassignUserRoleUnlessLast(ctx, b.ID, role))
	wantErr(t, "not assigned", s.UnassignUserRoleUnlessLast(ctx, b.ID, role), store.ErrNotFound)
	got, _ = s.AllRoleUsers(ctx, role)
	if len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("holders after unassign = %+v, want a", got)
	}
}

func testSeededFields(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	r := store.Resource{ID: id(), Indicator: "https://old.example/api", Name: "api", Scopes: []string{"all"}, AccessTokenTTL: time.Hour, CreatedAt: n}
	noErr(t, "CreateResource", s.CreateResource(ctx, r))
	noErr(t, "SetResourceIndicator", s.SetResourceIndicator(ctx, r.ID, "https://new.example/api"))
	if got, err := s.GetResourceByIndicator(ctx, "https://new.example/api"); err != nil || got.ID != r.ID {
		t.Fatalf("resource by new indicator = %+v, %v", got, err)
	}
	wantErr(t, "missing resource", s.SetResourceIndicator(ctx, "nope", "https://x.example"), store.ErrNotFound)
	c := store.Client{ID: id(), Name: "c", Type: store.AppTraditional, RedirectURIs: []string{"https://old.example/cb"}, CreatedAt: n}
	noErr(t, "CreateClient", s.CreateClient(ctx, c))
	noErr(t, "SetClientRedirectURIs", s.SetClientRedirectURIs(ctx, c.ID, []string{"https://new.example/cb"}, []string{"https://new.example/out"}))
	got, err := s.GetClient(ctx, c.ID)
	noErr(t, "GetClient", err)
	diff(t, "redirects", []string{"https://new.example/cb"}, got.RedirectURIs)
	diff(t, "post-logout redirects", []string{"https://new.example/out"}, got.PostLogoutRedirectURIs)
	wantErr(t, "missing client", s.SetClientRedirectURIs(ctx, "nope", nil, nil), store.ErrNotFound)
}
