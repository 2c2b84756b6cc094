package admin_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
)

func TestEnsure(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	n := time.Now()
	for range 2 { // idempotent
		if err := admin.Ensure(ctx, st, "https://old.example/", "s1", n); err != nil {
			t.Fatal(err)
		}
	}
	// The endpoint and the master secret change.
	if err := admin.Ensure(ctx, st, "https://id.example", "s2", n); err != nil {
		t.Fatal(err)
	}
	r, err := st.GetResourceByIndicator(ctx, "https://id.example/api")
	if err != nil || r.ID != admin.APIResourceID {
		t.Fatalf("API resource after endpoint change = %+v, %v", r, err)
	}
	if _, err := st.GetResourceByIndicator(ctx, admin.LogtoAudience); err != nil {
		t.Fatalf("Logto resource: %v", err)
	}
	m2m, err := st.GetRole(ctx, admin.M2MRoleID)
	if err != nil || !slices.Contains(m2m.Permissions, store.Permission{Resource: "https://id.example/api", Scope: admin.Scope}) ||
		!slices.Contains(m2m.Permissions, store.Permission{Resource: admin.LogtoAudience, Scope: admin.Scope}) || m2m.Type != store.RoleM2M {
		t.Fatalf("m2m role = %+v, %v", m2m, err)
	}
	adm, err := st.GetRole(ctx, admin.AdminRoleID)
	if err != nil || !slices.Equal(adm.Permissions, []store.Permission{{Resource: "https://id.example/api", Scope: admin.Scope}}) || adm.Type != store.RoleUser {
		t.Fatalf("admin role = %+v, %v", adm, err)
	}
	c, err := st.GetClient(ctx, admin.ConsoleClientID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.RedirectURIs, []string{"https://id.example/console/callback"}) ||
		!slices.Equal(c.PostLogoutRedirectURIs, []string{"https://id.example/console/signed-out"}) ||
		!hasSecret(c, provider.HashSecret("s2")) || hasSecret(c, provider.HashSecret("s1")) || c.Type != store.AppTraditional || c.ThirdParty {
		t.Fatalf("console client = %+v", c)
	}

	// The seeded objects cannot be deleted.
	if err := (directory.Apps{Store: st}).Delete(ctx, admin.ConsoleClientID); !errors.Is(err, directory.ErrAppProtected) {
		t.Errorf("delete console client = %v, want app.protected", err)
	}
	for _, r := range []store.Role{m2m, adm} {
		if err := (directory.Roles{Store: st}).Delete(ctx, r); !errors.Is(err, directory.ErrRoleProtected) {
			t.Errorf("delete role %s = %v, want role.protected", r.ID, err)
		}
	}
	name := "mine"
	if _, err := (directory.Apps{Store: st}).Update(ctx, admin.ConsoleClientID, directory.AppUpdate{Name: &name}); !errors.Is(err, directory.ErrAppProtected) {
		t.Errorf("rename console client = %v, want app.protected", err)
	}
	if _, err := (directory.Roles{Store: st}).Update(ctx, adm, directory.RoleUpdate{Name: &name}); !errors.Is(err, directory.ErrRoleProtected) {
		t.Errorf("rename admin role = %v, want role.protected", err)
	}
	// Nor made default roles, nor their permissions changed: every new
	// user would be an administrator, or the console would break.
	yes, no := true, false
	res := store.Permission{Resource: admin.LogtoAudience, Scope: admin.Scope}
	for _, r := range []store.Role{m2m, adm} {
		if _, err := (directory.Roles{Store: st}).Update(ctx, r, directory.RoleUpdate{IsDefault: &yes}); !errors.Is(err, directory.ErrRoleProtected) {
			t.Errorf("make role %s default = %v, want role.protected", r.ID, err)
		}
		if _, err := (directory.Roles{Store: st}).Permit(ctx, r, []store.Permission{res}); !errors.Is(err, directory.ErrRoleProtected) {
			t.Errorf("permit on role %s = %v, want role.protected", r.ID, err)
		}
		if _, err := (directory.Roles{Store: st}).Revoke(ctx, r, []store.Permission{{Resource: "https://id.example/api"}}); !errors.Is(err, directory.ErrRoleProtected) {
			t.Errorf("revoke on role %s = %v, want role.protected", r.ID, err)
		}
	}
	if _, err := (directory.Roles{Store: st}).Update(ctx, adm, directory.RoleUpdate{IsDefault: &no}); err != nil {
		t.Errorf("isDefault=false on the admin role (a no-op) = %v", err)
	}
	if after, _ := st.GetRole(ctx, admin.AdminRoleID); after.IsDefault || !slices.Equal(after.Permissions, adm.Permissions) {
		t.Errorf("admin role changed: %+v", after)
	}
	if err := (directory.Resources{Store: st}).Delete(ctx, admin.APIResourceID); !errors.Is(err, directory.ErrResourceProtected) {
		t.Errorf("delete API resource = %v, want resource.protected", err)
	}
	if _, err := st.GetClient(ctx, admin.ConsoleClientID); err != nil {
		t.Errorf("console client gone: %v", err)
	}
	if err := directory.CheckResourceChange(admin.APIResourceID); !errors.Is(err, directory.ErrResourceProtected) {
		t.Errorf("CheckResourceChange = %v", err)
	}
}

// hasSecret reports whether the client has a live secret with hash h.
func hasSecret(c store.Client, h []byte) bool {
	for _, s := range c.Secrets {
		if slices.Equal(s.Hash, h) && s.Live(time.Now().Add(time.Second)) {
			return true
		}
	}
	return false
}

// TestEnsureRolesKeepsIndicator: the CLI's EnsureRoles seeds the roles on
// a fresh database but never moves the indicator serve set.
func TestEnsureRolesKeepsIndicator(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	n := time.Now()
	if err := admin.EnsureRoles(ctx, st, "http://localhost:3001", n); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{admin.AdminRoleID, admin.M2MRoleID} {
		if _, err := st.GetRole(ctx, id); err != nil {
			t.Fatalf("role %s after EnsureRoles: %v", id, err)
		}
	}
	if err := admin.Ensure(ctx, st, "https://id.example", "s", n); err != nil {
		t.Fatal(err)
	}
	if err := admin.EnsureRoles(ctx, st, "http://localhost:3001", n); err != nil {
		t.Fatal(err)
	}
	if r, err := st.GetResourceByIndicator(ctx, "https://id.example/api"); err != nil || r.ID != admin.APIResourceID {
		t.Fatalf("EnsureRoles moved the Management API: %+v, %v", r, err)
	}
}

// writeCounter is the SQLite store with its seeding writes counted.
type writeCounter struct {
	*sqlstore.Store
	writes int
}

func (w *writeCounter) CreateResource(ctx context.Context, r store.Resource) error {
	w.writes++
	return w.Store.CreateResource(ctx, r)
}

func (w *writeCounter) SetResourceIndicator(ctx context.Context, id, indicator string) error {
	w.writes++
	return w.Store.SetResourceIndicator(ctx, id, indicator)
}

func (w *writeCounter) CreateRole(ctx context.Context, r store.Role) error {
	w.writes++
	return w.Store.CreateRole(ctx, r)
}

// TestEnsureSeededOnlyReads: every start of every replica runs Ensure; on
// a seeded database with the same endpoint it must not try a write (an
// insert failing on its key costs a transaction and logs an error in
// PostgreSQL at each start).
func TestEnsureSeededOnlyReads(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	n := time.Now()
	w := &writeCounter{Store: st}
	if err := admin.Ensure(ctx, w, "https://id.example", "s", n); err != nil {
		t.Fatal(err)
	}
	if w.writes == 0 {
		t.Fatal("the first Ensure wrote nothing")
	}
	w.writes = 0
	if err := admin.Ensure(ctx, w, "https://id.example", "s", n); err != nil {
		t.Fatal(err)
	}
	if w.writes != 0 {
		t.Errorf("Ensure on a seeded database tried %d writes, want 0", w.writes)
	}
}

// TestEnsureIndicatorTaken: a resource of the operator's that holds the
// Logto audience does not stop a start.
func TestEnsureIndicatorTaken(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	n := time.Now()
	if err := st.CreateResource(ctx, store.Resource{ID: "mine", Indicator: admin.LogtoAudience, Name: "Mine", CreatedAt: n}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := admin.Ensure(ctx, st, "https://id.example", "s", n); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := st.GetResource(ctx, "mine"); err != nil || r.Indicator != admin.LogtoAudience {
		t.Errorf("the operator's resource = %+v, %v", r, err)
	}
}
