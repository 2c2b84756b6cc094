package directory_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
)

// TestResourceOps: get, update and delete by id, and scopes as rows, each
// rule giving a typed error.
func TestResourceOps(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	res := directory.Resources{Store: st}
	r, err := res.Create(ctx, directory.NewResource{Indicator: "https://api.example", Name: "API", Scopes: []string{"read"}, AccessTokenTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	other, err := res.Create(ctx, directory.NewResource{Indicator: "https://other.example", Name: "Other", AccessTokenTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	_, err = res.Get(ctx, "nope")
	wantCode(t, "Get unknown", err, directory.ErrResourceNotFound, `no API resource with id "nope"`)

	got, err := res.Update(ctx, r.ID, directory.ResourceUpdate{Name: ptr(" Renamed "), AccessTokenTTL: ptr(90 * time.Second)})
	if err != nil || got.Name != "Renamed" || got.AccessTokenTTL != 90*time.Second || got.Indicator != r.Indicator {
		t.Fatalf("Update: %+v %v", got, err)
	}
	for _, ttl := range []time.Duration{0, 86401 * time.Second, 1500 * time.Millisecond} {
		_, err = res.Update(ctx, r.ID, directory.ResourceUpdate{AccessTokenTTL: &ttl})
		wantCode(t, "TTL "+ttl.String(), err, directory.ErrResourceInvalid, "--access-token-ttl must be whole seconds between 1s and 24h (86400)")
	}
	_, err = res.Update(ctx, r.ID, directory.ResourceUpdate{Name: ptr("  ")})
	wantCode(t, "empty name", err, directory.ErrResourceInvalid, "--name is required (at most 256 characters)")
	if got, _ := res.Get(ctx, r.ID); got.Name != "Renamed" || got.AccessTokenTTL != 90*time.Second {
		t.Fatalf("a refused update wrote: %+v", got)
	}

	sc, err := res.CreateScope(ctx, r.ID, "write", " Writes ")
	if err != nil || sc.Name != "write" || sc.Description != "Writes" || sc.ResourceID != r.ID || sc.ID == "" {
		t.Fatalf("CreateScope: %+v %v", sc, err)
	}
	_, err = res.CreateScope(ctx, r.ID, "write", "")
	wantCode(t, "scope clash", err, directory.ErrScopeExists, `the API resource already defines scope "write"`)
	_, err = res.CreateScope(ctx, r.ID, "openid", "")
	wantCode(t, "OIDC scope name", err, directory.ErrResourceInvalid, `--scope "openid" is not a valid permission name`)
	_, err = res.CreateScope(ctx, r.ID, "roles", "")
	wantCode(t, "roles scope name", err, directory.ErrResourceInvalid, `--scope "roles" is not a valid permission name`)
	_, err = res.CreateScope(ctx, "nope", "x", "")
	wantCode(t, "scope on unknown resource", err, directory.ErrResourceNotFound, `no API resource with id "nope"`)
	if got, _ := res.Get(ctx, r.ID); len(got.Scopes) != 2 || got.Scopes[1] != "write" {
		t.Fatalf("Resource.Scopes after CreateScope: %v", got.Scopes)
	}

	// A scope is reached only through its own resource.
	_, err = res.UpdateScope(ctx, other.ID, sc.ID, "x")
	wantCode(t, "scope of another resource", err, directory.ErrScopeNotFound, `no scope with id "`+sc.ID+`"`)
	wantCode(t, "delete through another resource", res.DeleteScope(ctx, other.ID, sc.ID), directory.ErrScopeNotFound, `no scope with id "`+sc.ID+`"`)
	up, err := res.UpdateScope(ctx, r.ID, sc.ID, "Writes things")
	if err != nil || up.Description != "Writes things" || up.Name != "write" {
		t.Fatalf("UpdateScope: %+v %v", up, err)
	}
	if err := res.DeleteScope(ctx, r.ID, sc.ID); err != nil {
		t.Fatal(err)
	}
	if l, err := res.Scopes(ctx, r.ID); err != nil || len(l) != 1 || l[0].Name != "read" {
		t.Fatalf("Scopes after DeleteScope: %+v %v", l, err)
	}

	if err := res.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "Delete twice", res.Delete(ctx, r.ID), directory.ErrResourceNotFound, `no API resource with id "`+r.ID+`"`)
}

// TestRoleOps: default roles reach new users, isDefault is for user roles
// only, members and stats, scopes by id.
func TestRoleOps(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	res := directory.Resources{Store: st}
	r, err := res.Create(ctx, directory.NewResource{Indicator: "https://api.example", Name: "API", Scopes: []string{"read", "write"}, AccessTokenTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	roles := directory.Roles{Store: st}
	users := directory.Users{Store: st, PasswordParams: fastHash}

	_, err = roles.Create(ctx, directory.NewRole{Name: "job", Type: "m2m", IsDefault: true})
	wantCode(t, "default m2m role", err, directory.ErrRoleMismatch, "only user roles can be default roles")
	member, err := roles.Create(ctx, directory.NewRole{Name: "member", Type: "user", IsDefault: true})
	if err != nil || !member.IsDefault {
		t.Fatalf("Create default: %+v %v", member, err)
	}
	plain, err := roles.Create(ctx, directory.NewRole{Name: "plain", Type: "user"})
	if err != nil {
		t.Fatal(err)
	}
	job, err := roles.Create(ctx, directory.NewRole{Name: "job", Type: "m2m"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = roles.Update(ctx, job, directory.RoleUpdate{IsDefault: ptr(true)})
	wantCode(t, "Update m2m default", err, directory.ErrRoleMismatch, "only user roles can be default roles")
	_, err = roles.Update(ctx, plain, directory.RoleUpdate{Name: ptr("member")})
	wantCode(t, "Update name clash", err, directory.ErrRoleExists, `a role named "member" already exists`)
	plain, err = roles.Update(ctx, plain, directory.RoleUpdate{Name: ptr(" Plain "), Description: ptr("Nothing"), IsDefault: ptr(true)})
	if err != nil || plain.Name != "Plain" || plain.Description != "Nothing" || !plain.IsDefault {
		t.Fatalf("Update: %+v %v", plain, err)
	}

	u, err := users.Create(ctx, directory.NewUser{Username: "alice", Password: "long enough"})
	if err != nil {
		t.Fatal(err)
	}
	held, err := st.ListUserRoles(ctx, u.ID)
	if err != nil || len(held) != 2 || held[0].Name != "Plain" || held[1].Name != "member" {
		t.Fatalf("a new user's roles: %+v %v", held, err)
	}
	page, total, err := roles.Users(ctx, member, store.ListQuery{})
	if err != nil || total != 1 || page[0].ID != u.ID {
		t.Fatalf("Users: %v %d %v", page, total, err)
	}
	_, _, err = roles.Apps(ctx, job, store.ListQuery{Search: "x", Fields: []store.SearchField{store.FieldEmail}})
	if !errors.Is(err, directory.ErrListQuery) {
		t.Fatalf("Apps searching email: %v", err)
	}
	stats, err := roles.Stats(ctx, []store.Role{member, job})
	if err != nil || stats[member.ID].UsersCount != 1 || stats[job.ID].UsersCount != 0 {
		t.Fatalf("Stats: %+v %v", stats, err)
	}

	scopes, err := res.Scopes(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "AddScopes unknown", roles.AddScopes(ctx, job, []string{scopes[0].ID, "nope"}), directory.ErrScopeNotFound, `no scope with id "nope"`)
	wantCode(t, "AddScopes none", roles.AddScopes(ctx, job, nil), directory.ErrRoleInvalid, "scopeIds must name 1 to 100 scopes")
	if err := roles.AddScopes(ctx, job, []string{scopes[0].ID, scopes[1].ID}); err != nil {
		t.Fatal(err)
	}
	if err := roles.RemoveScope(ctx, job, scopes[0].ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "RemoveScope twice", roles.RemoveScope(ctx, job, scopes[0].ID), directory.ErrRoleNotHeld,
		`role "job" does not hold scope "`+scopes[0].ID+`"`)
	l, err := roles.Scopes(ctx, job)
	if err != nil || len(l) != 1 || l[0].Name != "write" {
		t.Fatalf("Scopes: %+v %v", l, err)
	}
	if g, err := roles.Get(ctx, job.ID); err != nil || len(g.Permissions) != 1 || g.Permissions[0].Scope != "write" {
		t.Fatalf("Get: %+v %v", g, err)
	}
	_, err = roles.Get(ctx, "job")
	wantCode(t, "Get by name", err, directory.ErrRoleNotFound, "no role \"job\" (see `sesame roles list`)")
}
