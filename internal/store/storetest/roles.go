package storetest

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// Roles (docs/security.md, items 8.1 and 8.2): a user or M2M app holds
// exactly the permissions of its roles, as (resource, scope) pairs.

const (
	apiA = "https://a.example"
	apiB = "https://b.example/"
)

// roleResources registers apiA (read, write) and apiB (read, admin).
func roleResources(t *testing.T, s store.Store) (a, b store.Resource) {
	t.Helper()
	n := now()
	a = store.Resource{ID: "res-a", Indicator: apiA, Name: "A", Scopes: []string{"read", "write"}, AccessTokenTTL: time.Hour, CreatedAt: n}
	b = store.Resource{ID: "res-b", Indicator: apiB, Name: "B", Scopes: []string{"read", "admin"}, AccessTokenTTL: time.Hour, CreatedAt: n}
	noErr(t, "CreateResource a", s.CreateResource(t.Context(), a))
	noErr(t, "CreateResource b", s.CreateResource(t.Context(), b))
	return a, b
}

func perm(res, scope string) store.Permission { return store.Permission{Resource: res, Scope: scope} }

func testRoles(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	roleResources(t, s)

	_, err := s.GetRole(ctx, "r1")
	wantErr(t, "GetRole before create", err, store.ErrNotFound)
	list, err := s.ListRoles(ctx)
	noErr(t, "ListRoles empty", err)
	diff(t, "ListRoles empty", []store.Role(nil), list)

	// Given unsorted and with a duplicate; read back sorted, once each, by
	// indicator.
	editor := store.Role{ID: "r1", Name: "editor", Description: "Edits things", Type: store.RoleUser, CreatedAt: n,
		Permissions: []store.Permission{perm(apiB, "read"), perm(apiA, "write"), perm(apiA, "read"), perm(apiA, "write")}}
	noErr(t, "CreateRole", s.CreateRole(ctx, editor))
	editor.Permissions = []store.Permission{perm(apiA, "read"), perm(apiA, "write"), perm(apiB, "read")}
	job := store.Role{ID: "r2", Name: "batch job", Type: store.RoleM2M, CreatedAt: n.Add(time.Second)}
	noErr(t, "CreateRole m2m without permissions", s.CreateRole(ctx, job))

	got, err := s.GetRole(ctx, "r1")
	noErr(t, "GetRole", err)
	diff(t, "GetRole", editor, got)
	got, err = s.GetRoleByName(ctx, "batch job")
	noErr(t, "GetRoleByName", err)
	diff(t, "GetRoleByName", job, got)
	_, err = s.GetRoleByName(ctx, "Editor")
	wantErr(t, "GetRoleByName is exact", err, store.ErrNotFound)
	list, err = s.ListRoles(ctx)
	noErr(t, "ListRoles", err)
	diff(t, "ListRoles by name", []store.Role{job, editor}, list)

	wantErr(t, "name clash", s.CreateRole(ctx, store.Role{ID: "r3", Name: "editor", Type: store.RoleUser, CreatedAt: n}), store.ErrAlreadyExists)
	wantErr(t, "id clash", s.CreateRole(ctx, store.Role{ID: "r1", Name: "other", Type: store.RoleUser, CreatedAt: n}), store.ErrAlreadyExists)

	// A permission on an unregistered resource writes nothing.
	bad := store.Role{ID: "r4", Name: "bad", Type: store.RoleUser, CreatedAt: n,
		Permissions: []store.Permission{perm(apiA, "read"), perm("https://nope.example", "read")}}
	wantErr(t, "CreateRole unknown resource", s.CreateRole(ctx, bad), store.ErrNotFound)
	_, err = s.GetRole(ctx, "r4")
	wantErr(t, "role after a refused create", err, store.ErrNotFound)
	bad.Permissions = nil
	noErr(t, "the refused role's name and id are free", s.CreateRole(ctx, bad))

	noErr(t, "DeleteRole", s.DeleteRole(ctx, "r1", n))
	_, err = s.GetRole(ctx, "r1")
	wantErr(t, "GetRole after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteRole twice", s.DeleteRole(ctx, "r1", n), store.ErrNotFound)
	noErr(t, "name reusable after delete", s.CreateRole(ctx, store.Role{ID: "r5", Name: "editor", Type: store.RoleUser, CreatedAt: n}))
}

func testSetRolePermissions(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	roleResources(t, s)
	r := store.Role{ID: "r1", Name: "editor", Type: store.RoleUser, CreatedAt: n,
		Permissions: []store.Permission{perm(apiA, "read"), perm(apiA, "write")}}
	noErr(t, "CreateRole", s.CreateRole(ctx, r))

	r.Permissions = []store.Permission{perm(apiB, "admin"), perm(apiA, "read")}
	noErr(t, "SetRolePermissions", s.SetRolePermissions(ctx, "r1", r.Permissions, n))
	r.Permissions = []store.Permission{perm(apiA, "read"), perm(apiB, "admin")}
	got, err := s.GetRole(ctx, "r1")
	noErr(t, "GetRole", err)
	diff(t, "permissions are replaced", r, got)

	wantErr(t, "SetRolePermissions unknown resource",
		s.SetRolePermissions(ctx, "r1", []store.Permission{perm("https://nope.example", "x")}, n), store.ErrNotFound)
	got, err = s.GetRole(ctx, "r1")
	noErr(t, "GetRole", err)
	diff(t, "a refused SetRolePermissions writes nothing", r, got)
	wantErr(t, "SetRolePermissions unknown role", s.SetRolePermissions(ctx, "nope", nil, n), store.ErrNotFound)

	noErr(t, "SetRolePermissions none", s.SetRolePermissions(ctx, "r1", nil, n))
	got, err = s.GetRole(ctx, "r1")
	noErr(t, "GetRole", err)
	if got.Permissions != nil {
		t.Fatalf("cleared permissions came back as %v", got.Permissions)
	}
}

func testRoleAssignments(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	roleResources(t, s)
	f := newFixture(t, s)
	m2m := store.Client{ID: "m1", Name: "Job", Type: store.AppM2M, Secrets: defaultSecret(n), CreatedAt: n}
	noErr(t, "CreateClient", s.CreateClient(ctx, m2m))
	reader := store.Role{ID: "reader", Name: "reader", Type: store.RoleUser, CreatedAt: n,
		Permissions: []store.Permission{perm(apiA, "read"), perm(apiB, "read")}}
	writer := store.Role{ID: "writer", Name: "a-writer", Type: store.RoleUser, CreatedAt: n,
		Permissions: []store.Permission{perm(apiA, "read"), perm(apiA, "write")}}
	noErr(t, "CreateRole reader", s.CreateRole(ctx, reader))
	noErr(t, "CreateRole writer", s.CreateRole(ctx, writer))

	// Deny by default: no role, no permission.
	ps, err := s.UserPermissions(ctx, f.user.ID)
	noErr(t, "UserPermissions without roles", err)
	diff(t, "UserPermissions without roles", []store.Permission(nil), ps)
	ps, err = s.ClientPermissions(ctx, m2m.ID)
	noErr(t, "ClientPermissions without roles", err)
	diff(t, "ClientPermissions without roles", []store.Permission(nil), ps)

	noErr(t, "AssignUserRole", s.AssignUserRole(ctx, f.user.ID, "reader"))
	noErr(t, "AssignUserRole again (idempotent)", s.AssignUserRole(ctx, f.user.ID, "reader"))
	noErr(t, "AssignUserRole writer", s.AssignUserRole(ctx, f.user.ID, "writer"))
	wantErr(t, "AssignUserRole unknown user", s.AssignUserRole(ctx, "nobody", "reader"), store.ErrNotFound)
	wantErr(t, "AssignUserRole unknown role", s.AssignUserRole(ctx, f.user.ID, "nope"), store.ErrNotFound)
	noErr(t, "AssignClientRole", s.AssignClientRole(ctx, m2m.ID, "writer"))
	noErr(t, "AssignClientRole again (idempotent)", s.AssignClientRole(ctx, m2m.ID, "writer"))
	wantErr(t, "AssignClientRole unknown client", s.AssignClientRole(ctx, "nope", "writer"), store.ErrNotFound)
	wantErr(t, "AssignClientRole unknown role", s.AssignClientRole(ctx, m2m.ID, "nope"), store.ErrNotFound)

	roles, err := s.ListUserRoles(ctx, f.user.ID)
	noErr(t, "ListUserRoles", err)
	diff(t, "ListUserRoles by name", []store.Role{writer, reader}, roles)
	roles, err = s.ListClientRoles(ctx, m2m.ID)
	noErr(t, "ListClientRoles", err)
	diff(t, "ListClientRoles", []store.Role{writer}, roles)
	roles, err = s.ListUserRoles(ctx, "nobody")
	noErr(t, "ListUserRoles unknown user", err)
	diff(t, "ListUserRoles unknown user", []store.Role(nil), roles)

	// The union, each pair once (a.example read is in both roles), sorted.
	ps, err = s.UserPermissions(ctx, f.user.ID)
	noErr(t, "UserPermissions", err)
	diff(t, "UserPermissions", []store.Permission{perm(apiA, "read"), perm(apiA, "write"), perm(apiB, "read")}, ps)
	ps, err = s.ClientPermissions(ctx, m2m.ID)
	noErr(t, "ClientPermissions", err)
	diff(t, "ClientPermissions", []store.Permission{perm(apiA, "read"), perm(apiA, "write")}, ps)
	// Scopes belong to their resource: "read" on b.example does not make
	// "write" there, nor does a.example's "write" reach b.example.
	ps, err = s.UserPermissions(ctx, f.user.ID)
	noErr(t, "UserPermissions", err)
	for _, p := range ps {
		if p == perm(apiB, "write") {
			t.Fatalf("UserPermissions mixed resources: %v", ps)
		}
	}

	noErr(t, "UnassignUserRole", s.UnassignUserRole(ctx, f.user.ID, "writer"))
	wantErr(t, "UnassignUserRole twice", s.UnassignUserRole(ctx, f.user.ID, "writer"), store.ErrNotFound)
	wantErr(t, "UnassignUserRole unknown role", s.UnassignUserRole(ctx, f.user.ID, "nope"), store.ErrNotFound)
	ps, err = s.UserPermissions(ctx, f.user.ID)
	noErr(t, "UserPermissions", err)
	diff(t, "UserPermissions after unassign", []store.Permission{perm(apiA, "read"), perm(apiB, "read")}, ps)
	before, err := s.GetClient(ctx, m2m.ID)
	noErr(t, "GetClient", err)
	if !before.TokensRevokedBefore.IsZero() {
		t.Fatalf("a new app's TokensRevokedBefore = %v, want zero", before.TokensRevokedBefore)
	}
	noErr(t, "UnassignClientRole", s.UnassignClientRole(ctx, m2m.ID, "writer", n))
	// Its self-contained tokens issued until now are revoked with the role.
	after, err := s.GetClient(ctx, m2m.ID)
	noErr(t, "GetClient after UnassignClientRole", err)
	if !after.TokensRevokedBefore.Equal(n) {
		t.Fatalf("TokensRevokedBefore after UnassignClientRole = %v, want %v", after.TokensRevokedBefore, n)
	}
	wantErr(t, "UnassignClientRole twice", s.UnassignClientRole(ctx, m2m.ID, "writer", n), store.ErrNotFound)
	ps, err = s.ClientPermissions(ctx, m2m.ID)
	noErr(t, "ClientPermissions", err)
	diff(t, "ClientPermissions after unassign", []store.Permission(nil), ps)
}

// testRoleCascades: deleting a user, client, resource or role leaves no
// assignment or permission behind that a later row with the same id or
// indicator could inherit.
func testRoleCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	roleResources(t, s)
	u := store.User{ID: "u1", Username: "alice", CreatedAt: n, UpdatedAt: n}
	c := store.Client{ID: "m1", Name: "Job", Type: store.AppM2M, Secrets: defaultSecret(n), CreatedAt: n}
	noErr(t, "CreateUser", s.CreateUser(ctx, u))
	noErr(t, "CreateClient", s.CreateClient(ctx, c))
	r := store.Role{ID: "r1", Name: "both", Type: store.RoleUser, CreatedAt: n,
		Permissions: []store.Permission{perm(apiA, "read"), perm(apiB, "admin")}}
	noErr(t, "CreateRole", s.CreateRole(ctx, r))
	noErr(t, "AssignUserRole", s.AssignUserRole(ctx, u.ID, r.ID))
	noErr(t, "AssignClientRole", s.AssignClientRole(ctx, c.ID, r.ID))

	// A deleted resource leaves the role's permissions; a new resource
	// with the same indicator does not inherit them.
	noErr(t, "DeleteResource", s.DeleteResource(ctx, "res-b"))
	got, err := s.GetRole(ctx, r.ID)
	noErr(t, "GetRole", err)
	diff(t, "role after DeleteResource", []store.Permission{perm(apiA, "read")}, got.Permissions)
	noErr(t, "CreateResource again", s.CreateResource(ctx, store.Resource{ID: "res-b2", Indicator: apiB, Scopes: []string{"admin"}, CreatedAt: n}))
	ps, err := s.UserPermissions(ctx, u.ID)
	noErr(t, "UserPermissions", err)
	diff(t, "UserPermissions after the resource was recreated", []store.Permission{perm(apiA, "read")}, ps)

	noErr(t, "DeleteUser", s.DeleteUser(ctx, u.ID))
	noErr(t, "CreateUser again", s.CreateUser(ctx, u))
	roles, err := s.ListUserRoles(ctx, u.ID)
	noErr(t, "ListUserRoles", err)
	diff(t, "roles of a recreated user", []store.Role(nil), roles)
	wantErr(t, "UnassignUserRole after DeleteUser", s.UnassignUserRole(ctx, u.ID, r.ID), store.ErrNotFound)

	noErr(t, "DeleteClient", s.DeleteClient(ctx, c.ID))
	noErr(t, "CreateClient again", s.CreateClient(ctx, c))
	ps, err = s.ClientPermissions(ctx, c.ID)
	noErr(t, "ClientPermissions", err)
	diff(t, "permissions of a recreated client", []store.Permission(nil), ps)

	noErr(t, "AssignUserRole", s.AssignUserRole(ctx, u.ID, r.ID))
	noErr(t, "AssignClientRole", s.AssignClientRole(ctx, c.ID, r.ID))
	noErr(t, "DeleteRole", s.DeleteRole(ctx, r.ID, n))
	noErr(t, "CreateRole again", s.CreateRole(ctx, store.Role{ID: r.ID, Name: r.Name, Type: store.RoleUser, CreatedAt: n}))
	ps, err = s.UserPermissions(ctx, u.ID)
	noErr(t, "UserPermissions", err)
	diff(t, "UserPermissions after the role was deleted and recreated", []store.Permission(nil), ps)
	roles, err = s.ListClientRoles(ctx, c.ID)
	noErr(t, "ListClientRoles", err)
	diff(t, "client roles after the role was deleted and recreated", []store.Role(nil), roles)
	_, err = s.GetUser(ctx, u.ID)
	noErr(t, "the user outlives the role", err)
	_, err = s.GetClient(ctx, c.ID)
	noErr(t, "the client outlives the role", err)
}

// testRoleChangesRevokeClientTokens: narrowing what an M2M app holds
// (SetRolePermissions, DeleteRole, UnassignClientRole) revokes the
// client_credentials tokens of every app that held the role, at once; it
// leaves user grants and other apps alone.
func testRoleChangesRevokeClientTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	roleResources(t, s)
	for name, change := range map[string]func(roleID, clientID string) error{
		"SetRolePermissions": func(roleID, _ string) error {
			return s.SetRolePermissions(ctx, roleID, []store.Permission{perm(apiA, "read")}, n)
		},
		"DeleteRole":         func(roleID, _ string) error { return s.DeleteRole(ctx, roleID, n) },
		"UnassignClientRole": func(roleID, clientID string) error { return s.UnassignClientRole(ctx, clientID, roleID, n) },
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s) // a web app with a user grant
			m2m := store.Client{ID: id(), Name: "Job", Type: store.AppM2M, Secrets: defaultSecret(n), CreatedAt: n}
			other := store.Client{ID: id(), Name: "Other job", Type: store.AppM2M, Secrets: defaultSecret(n), CreatedAt: n}
			noErr(t, "CreateClient", s.CreateClient(ctx, m2m))
			noErr(t, "CreateClient other", s.CreateClient(ctx, other))
			role := store.Role{ID: id(), Name: "role-" + id(), Type: store.RoleM2M, CreatedAt: n,
				Permissions: []store.Permission{perm(apiA, "read"), perm(apiA, "write")}}
			noErr(t, "CreateRole", s.CreateRole(ctx, role))
			noErr(t, "AssignClientRole", s.AssignClientRole(ctx, m2m.ID, role.ID))
			// The web app holds the role too (a misassignment the store
			// allows): its user grant must survive anyway.
			noErr(t, "AssignClientRole web app", s.AssignClientRole(ctx, f.client.ID, role.ID))

			cc := store.AccessToken{Hash: hash(), ClientID: m2m.ID, Scopes: []string{"write"}, Audience: apiA, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
			occ := store.AccessToken{Hash: hash(), ClientID: other.ID, Scopes: []string{"write"}, Audience: apiA, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
			user := f.access(n)
			for _, tok := range []store.AccessToken{cc, occ, user} {
				noErr(t, "CreateAccessToken", s.CreateAccessToken(ctx, tok))
			}

			noErr(t, name, change(role.ID, m2m.ID))
			_, err := s.GetAccessToken(ctx, cc.Hash, n)
			wantErr(t, "client_credentials token after "+name, err, store.ErrNotFound)
			_, err = s.GetAccessToken(ctx, occ.Hash, n)
			noErr(t, "another app's client_credentials token", err)
			_, err = s.GetAccessToken(ctx, user.Hash, n)
			noErr(t, "a user grant's access token", err)
			g, err := s.GetGrant(ctx, f.grant.ID)
			noErr(t, "GetGrant", err)
			if !g.RevokedAt.IsZero() {
				t.Fatalf("%s revoked a user grant", name)
			}
		})
	}
	// A refused change revokes nothing.
	m2m := store.Client{ID: "m-refused", Name: "Job", Type: store.AppM2M, Secrets: defaultSecret(n), CreatedAt: n}
	noErr(t, "CreateClient", s.CreateClient(ctx, m2m))
	noErr(t, "CreateRole", s.CreateRole(ctx, store.Role{ID: "r-refused", Name: "refused", Type: store.RoleM2M, CreatedAt: n,
		Permissions: []store.Permission{perm(apiA, "read")}}))
	noErr(t, "AssignClientRole", s.AssignClientRole(ctx, m2m.ID, "r-refused"))
	cc := store.AccessToken{Hash: hash(), ClientID: m2m.ID, Scopes: []string{"read"}, Audience: apiA, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateAccessToken", s.CreateAccessToken(ctx, cc))
	err := s.SetRolePermissions(ctx, "r-refused", []store.Permission{perm("https://nope.example", "x")}, n)
	wantErr(t, "SetRolePermissions unknown resource", err, store.ErrNotFound)
	_, err = s.GetAccessToken(ctx, cc.Hash, n)
	noErr(t, "token after a refused SetRolePermissions", err)
}

// testPermissionsRoundTrip: the (resource, scope) pairs of auth requests,
// grants, codes, refresh tokens (the rotated one included) and consents
// come back as stored, separate from the OpenID Connect scopes.
func testPermissionsRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	ps := []store.Permission{perm(apiA, "read"), perm(apiB, "admin")}

	a := store.AuthRequest{ID: "ar1", ClientID: "c1", RedirectURI: "https://app.example/cb", Scopes: []string{"openid"},
		Permissions: ps, Resources: []string{apiA, apiB}, MaxAge: -1, CreatedAt: n, ExpiresAt: n.Add(time.Minute)}
	noErr(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, a))
	gotA, err := s.GetAuthRequest(ctx, "ar1")
	noErr(t, "GetAuthRequest", err)
	diff(t, "auth request", a, gotA)
	narrowed := []store.Permission{perm(apiB, "admin")}
	gotA, err = s.UpdateAuthRequest(ctx, "ar1", func(x store.AuthRequest) (store.AuthRequest, error) {
		x.Permissions = narrowed
		return x, nil
	})
	noErr(t, "UpdateAuthRequest", err)
	a.Permissions = narrowed
	diff(t, "UpdateAuthRequest result", a, gotA)
	gotA, err = s.GetAuthRequest(ctx, "ar1")
	noErr(t, "GetAuthRequest", err)
	diff(t, "auth request after update", a, gotA)

	f := newFixture(t, s)
	g := newGrant(f, []string{"openid", "offline_access"}, n)
	g.Permissions = ps
	noErr(t, "CreateGrant", s.CreateGrant(ctx, g))
	gotG, err := s.GetGrant(ctx, g.ID)
	noErr(t, "GetGrant", err)
	diff(t, "grant", g, gotG)
	f.grant = g

	code := f.code(n)
	code.Permissions = ps
	rt := f.refresh(n)
	rt.Permissions = ps
	noErr(t, "CreateCode", s.CreateCode(ctx, code))
	gotC, err := s.RedeemCode(ctx, code.Hash, n, func(c store.AuthCode) (store.CodeIssue, error) {
		return store.CodeIssue{AccessToken: ptr(f.access(n)), RefreshToken: &rt}, nil
	})
	noErr(t, "RedeemCode", err)
	want := code
	want.ConsumedAt = n
	diff(t, "redeemed code", want, gotC)
	gotR, err := s.GetRefreshToken(ctx, rt.Hash)
	noErr(t, "GetRefreshToken", err)
	diff(t, "refresh token", rt, gotR)

	next := f.refresh(n)
	next.Permissions = narrowed
	_, err = s.UseRefreshToken(ctx, rt.Hash, n, func(tok store.RefreshToken, gr store.Grant) (store.RefreshIssue, error) {
		diffInCallback(t, "token passed to fn", rt, tok)
		diffInCallback(t, "grant passed to fn", g, gr)
		return store.RefreshIssue{AccessToken: ptr(f.access(n)), Rotate: &next}, nil
	})
	noErr(t, "UseRefreshToken", err)
	gotR, err = s.GetRefreshToken(ctx, next.Hash)
	noErr(t, "GetRefreshToken rotated", err)
	diff(t, "rotated refresh token", next, gotR)

	c := store.Consent{UserID: f.user.ID, ClientID: f.client.ID, Scopes: []string{"openid"}, Permissions: ps, CreatedAt: n}
	noErr(t, "PutConsent", s.PutConsent(ctx, c))
	gotCo, err := s.GetConsent(ctx, c.UserID, c.ClientID)
	noErr(t, "GetConsent", err)
	diff(t, "consent", c, gotCo)
	c.Permissions = narrowed
	noErr(t, "PutConsent replace", s.PutConsent(ctx, c))
	gotCo, err = s.GetConsent(ctx, c.UserID, c.ClientID)
	noErr(t, "GetConsent", err)
	diff(t, "replaced consent", c, gotCo)
	c.Permissions = nil
	noErr(t, "PutConsent without permissions", s.PutConsent(ctx, c))
	gotCo, err = s.GetConsent(ctx, c.UserID, c.ClientID)
	noErr(t, "GetConsent", err)
	if gotCo.Permissions != nil {
		t.Fatalf("consent permissions not replaced by none: %v", gotCo.Permissions)
	}
}
