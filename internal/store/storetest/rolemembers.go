package storetest

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// testRoleMembers: UpdateRole, default roles given by CreateUser, member
// pages, stats, and role scopes by id.
func testRoleMembers(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	roleResources(t, s)
	def := store.Role{ID: "def", Name: "member", Type: store.RoleUser, CreatedAt: n}
	other := store.Role{ID: "other", Name: "other", Type: store.RoleUser, CreatedAt: n}
	job := store.Role{ID: "job", Name: "job", Type: store.RoleM2M, CreatedAt: n, IsDefault: true} // ignored: not a user role
	for _, r := range []store.Role{def, other, job} {
		noErr(t, "CreateRole", s.CreateRole(ctx, r))
	}
	def.Name, def.Description, def.IsDefault = "Member", "Everyone", true
	got, err := s.UpdateRole(ctx, def)
	noErr(t, "UpdateRole", err)
	diff(t, "UpdateRole", def, got)
	_, err = s.UpdateRole(ctx, store.Role{ID: "def", Name: "other"})
	wantErr(t, "UpdateRole name clash", err, store.ErrAlreadyExists)
	_, err = s.UpdateRole(ctx, store.Role{ID: "nope", Name: "x"})
	wantErr(t, "UpdateRole missing", err, store.ErrNotFound)

	for i := range 5 {
		u := store.User{ID: "u" + string(rune('0'+i)), Username: "user" + string(rune('0'+i)), Name: "N", CreatedAt: n.Add(time.Duration(i) * time.Second)}
		noErr(t, "CreateUser", s.CreateUser(ctx, u))
	}
	roles, err := s.ListUserRoles(ctx, "u0")
	noErr(t, "ListUserRoles", err)
	if len(roles) != 1 || roles[0].ID != "def" {
		t.Fatalf("a new user's roles = %+v, want the default user role only", roles)
	}
	// A refused CreateUser assigns nothing (and writes no user).
	wantErr(t, "CreateUser clash", s.CreateUser(ctx, store.User{ID: "u9", Username: "user0", CreatedAt: n}), store.ErrAlreadyExists)
	noErr(t, "AssignUserRole", s.AssignUserRole(ctx, "u1", "other"))

	page, total, err := s.ListRoleUsers(ctx, "def", store.ListQuery{Page: 2, PageSize: 2})
	noErr(t, "ListRoleUsers", err)
	if total != 5 || len(page) != 2 || page[0].ID != "u2" || page[1].ID != "u3" {
		t.Fatalf("ListRoleUsers page 2 = %v (total %d)", page, total)
	}
	page, total, err = s.ListRoleUsers(ctx, "other", store.ListQuery{Search: "user", Fields: []store.SearchField{store.FieldUsername}})
	noErr(t, "ListRoleUsers search", err)
	if total != 1 || len(page) != 1 || page[0].ID != "u1" {
		t.Fatalf("ListRoleUsers search = %v (total %d)", page, total)
	}
	_, _, err = s.ListRoleUsers(ctx, "nope", store.ListQuery{})
	wantErr(t, "ListRoleUsers missing role", err, store.ErrNotFound)

	for i := range 4 {
		c := store.Client{ID: "m" + string(rune('0'+i)), Name: "Job", Type: store.AppM2M, Secrets: defaultSecret(n), CreatedAt: n.Add(time.Duration(i) * time.Second)}
		noErr(t, "CreateClient", s.CreateClient(ctx, c))
		noErr(t, "AssignClientRole", s.AssignClientRole(ctx, c.ID, "job"))
	}
	cpage, total, err := s.ListRoleClients(ctx, "job", store.ListQuery{PageSize: 3})
	noErr(t, "ListRoleClients", err)
	if total != 4 || len(cpage) != 3 || cpage[0].ID != "m0" {
		t.Fatalf("ListRoleClients = %v (total %d)", cpage, total)
	}

	stats, err := s.RoleStats(ctx, []string{"def", "other", "job", "nope"})
	noErr(t, "RoleStats", err)
	d, o, j := stats["def"], stats["other"], stats["job"]
	if len(stats) != 3 || d.UsersCount != 5 || d.ClientsCount != 0 || len(d.FeaturedUsers) != 3 || d.FeaturedUsers[0].ID != "u0" ||
		d.FeaturedUsers[0].Username != "user0" || o.UsersCount != 1 || len(o.FeaturedUsers) != 1 ||
		j.ClientsCount != 4 || len(j.FeaturedClients) != 3 || j.FeaturedClients[2].ID != "m2" || j.FeaturedClients[0].Type != store.AppM2M {
		t.Fatalf("RoleStats = %+v", stats)
	}

	// Role scopes by id.
	scopes, err := s.ListResourceScopes(ctx, "res-a")
	noErr(t, "ListResourceScopes", err)
	read, write := scopes[0], scopes[1]
	cc := store.AccessToken{Hash: hash(), ClientID: "m0", Scopes: []string{"read"}, Audience: apiA, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateAccessToken", s.CreateAccessToken(ctx, cc))
	noErr(t, "AddRoleScopes", s.AddRoleScopes(ctx, "job", []string{read.ID, write.ID, read.ID}, n))
	noErr(t, "AddRoleScopes again", s.AddRoleScopes(ctx, "job", []string{read.ID}, n))
	_, err = s.GetAccessToken(ctx, cc.Hash, n)
	wantErr(t, "client_credentials token after AddRoleScopes", err, store.ErrNotFound)
	wantErr(t, "AddRoleScopes unknown scope", s.AddRoleScopes(ctx, "other", []string{read.ID, "nope"}, n), store.ErrNotFound)
	wantErr(t, "AddRoleScopes unknown role", s.AddRoleScopes(ctx, "nope", []string{read.ID}, n), store.ErrNotFound)
	rs, err := s.ListRoleScopes(ctx, "other")
	noErr(t, "ListRoleScopes", err)
	if len(rs) != 0 {
		t.Fatalf("a refused AddRoleScopes wrote %v", rs)
	}
	rs, err = s.ListRoleScopes(ctx, "job")
	noErr(t, "ListRoleScopes", err)
	diff(t, "ListRoleScopes", []store.ResourceScope{read, write}, rs)
	noErr(t, "RemoveRoleScope", s.RemoveRoleScope(ctx, "job", read.ID, n))
	wantErr(t, "RemoveRoleScope not held", s.RemoveRoleScope(ctx, "job", read.ID, n), store.ErrNotFound)
	r, err := s.GetRole(ctx, "job")
	noErr(t, "GetRole", err)
	diff(t, "permissions after RemoveRoleScope", []store.Permission{perm(apiA, "write")}, r.Permissions)
	_, err = s.ListRoleScopes(ctx, "nope")
	wantErr(t, "ListRoleScopes missing role", err, store.ErrNotFound)
}

// testCreateRoleWithScopes: the role and its scopes are written together;
// an unknown scope or a name clash writes nothing.
func testCreateRoleWithScopes(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	roleResources(t, s)
	scopes, err := s.ListResourceScopes(ctx, "res-a")
	noErr(t, "ListResourceScopes", err)
	read, write := scopes[0], scopes[1]
	r := store.Role{ID: "r1", Name: "reader", Type: store.RoleM2M, CreatedAt: n}
	noErr(t, "CreateRoleWithScopes", s.CreateRoleWithScopes(ctx, r, []string{read.ID, write.ID, read.ID}))
	got, err := s.GetRole(ctx, "r1")
	noErr(t, "GetRole", err)
	diff(t, "permissions", []store.Permission{perm(apiA, "read"), perm(apiA, "write")}, got.Permissions)

	bad := store.Role{ID: "r2", Name: "half", Type: store.RoleUser, CreatedAt: n}
	wantErr(t, "CreateRoleWithScopes unknown scope", s.CreateRoleWithScopes(ctx, bad, []string{read.ID, "nope"}), store.ErrNotFound)
	_, err = s.GetRole(ctx, "r2")
	wantErr(t, "a role whose scope was unknown", err, store.ErrNotFound)
	_, err = s.GetRoleByName(ctx, "half")
	wantErr(t, "a role whose scope was unknown, by name", err, store.ErrNotFound)
	clash := store.Role{ID: "r3", Name: "reader", Type: store.RoleUser, CreatedAt: n}
	wantErr(t, "CreateRoleWithScopes name clash", s.CreateRoleWithScopes(ctx, clash, []string{read.ID}), store.ErrAlreadyExists)
}
