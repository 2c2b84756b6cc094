package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testResources(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	api := store.Resource{ID: "r1", Indicator: "https://api.example", Name: "API",
		Scopes: []string{"read:x", "write:x"}, AccessTokenTTL: 90 * time.Minute, CreatedAt: n}
	bare := store.Resource{ID: "r2", Indicator: "https://other.example/", Name: "Other", CreatedAt: n.Add(time.Second)}

	_, err := s.GetResourceByIndicator(ctx, api.Indicator)
	wantErr(t, "GetResourceByIndicator before create", err, store.ErrNotFound)
	noErr(t, "CreateResource", s.CreateResource(ctx, api))
	noErr(t, "CreateResource 2", s.CreateResource(ctx, bare))
	wantErr(t, "indicator clash", s.CreateResource(ctx, store.Resource{ID: "r3", Indicator: api.Indicator, CreatedAt: n}), store.ErrAlreadyExists)
	wantErr(t, "id clash", s.CreateResource(ctx, store.Resource{ID: "r1", Indicator: "https://x.example", CreatedAt: n}), store.ErrAlreadyExists)

	got, err := s.GetResourceByIndicator(ctx, api.Indicator)
	noErr(t, "GetResourceByIndicator", err)
	diff(t, "resource", api, got)
	list, err := s.ListResources(ctx)
	noErr(t, "ListResources", err)
	diff(t, "ListResources", []store.Resource{api, bare}, list)

	noErr(t, "DeleteResource", s.DeleteResource(ctx, "r1"))
	_, err = s.GetResourceByIndicator(ctx, api.Indicator)
	wantErr(t, "after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteResource twice", s.DeleteResource(ctx, "r1"), store.ErrNotFound)
	noErr(t, "indicator reusable", s.CreateResource(ctx, store.Resource{ID: "r4", Indicator: api.Indicator, CreatedAt: n}))
}

// testResourceScopes: scopes are rows with ids that always agree with
// Resource.Scopes; deleting one takes it from every role and revokes the
// client_credentials tokens of the apps that held it.
func testResourceScopes(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	a, _ := roleResources(t, s)

	l, err := s.ListResourceScopes(ctx, a.ID)
	noErr(t, "ListResourceScopes", err)
	if len(l) != 2 || l[0].Name != "read" || l[1].Name != "write" || l[0].ID == "" || l[0].ID == l[1].ID || l[0].ResourceID != a.ID {
		t.Fatalf("scopes created with the resource = %+v", l)
	}
	_, err = s.ListResourceScopes(ctx, "nope")
	wantErr(t, "ListResourceScopes missing resource", err, store.ErrNotFound)

	admin := store.ResourceScope{ID: "sc-admin", ResourceID: a.ID, Name: "admin", Description: "Everything", CreatedAt: n.Add(time.Minute)}
	noErr(t, "CreateResourceScope", s.CreateResourceScope(ctx, admin))
	got, err := s.GetResourceScope(ctx, admin.ID)
	noErr(t, "GetResourceScope", err)
	diff(t, "GetResourceScope", admin, got)
	wantErr(t, "name clash", s.CreateResourceScope(ctx, store.ResourceScope{ID: "sc-x", ResourceID: a.ID, Name: "read", CreatedAt: n}),
		store.ErrAlreadyExists)
	noErr(t, "same name on another resource", s.CreateResourceScope(ctx, store.ResourceScope{ID: "sc-b-write", ResourceID: "res-b", Name: "write", CreatedAt: n}))
	wantErr(t, "missing resource", s.CreateResourceScope(ctx, store.ResourceScope{ID: "sc-y", ResourceID: "nope", Name: "x", CreatedAt: n}),
		store.ErrNotFound)
	res, err := s.GetResource(ctx, a.ID)
	noErr(t, "GetResource", err)
	diff(t, "Resource.Scopes follows the rows", []string{"read", "write", "admin"}, res.Scopes)

	upd, err := s.UpdateResourceScope(ctx, admin.ID, "All of it")
	noErr(t, "UpdateResourceScope", err)
	admin.Description = "All of it"
	diff(t, "UpdateResourceScope", admin, upd)
	_, err = s.UpdateResourceScope(ctx, "nope", "x")
	wantErr(t, "UpdateResourceScope missing", err, store.ErrNotFound)

	// A role and an m2m app holding admin and read.
	m2m := store.Client{ID: "m1", Name: "Job", Type: store.AppM2M, Secrets: defaultSecret(n), CreatedAt: n}
	noErr(t, "CreateClient", s.CreateClient(ctx, m2m))
	role := store.Role{ID: "r1", Name: "ops", Type: store.RoleM2M, CreatedAt: n, Permissions: []store.Permission{perm(apiA, "admin"), perm(apiA, "read")}}
	noErr(t, "CreateRole", s.CreateRole(ctx, role))
	noErr(t, "AssignClientRole", s.AssignClientRole(ctx, m2m.ID, role.ID))
	cc := store.AccessToken{Hash: hash(), ClientID: m2m.ID, Scopes: []string{"admin"}, Audience: apiA, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateAccessToken", s.CreateAccessToken(ctx, cc))

	noErr(t, "DeleteResourceScope", s.DeleteResourceScope(ctx, admin.ID, n))
	_, err = s.GetResourceScope(ctx, admin.ID)
	wantErr(t, "scope after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteResourceScope twice", s.DeleteResourceScope(ctx, admin.ID, n), store.ErrNotFound)
	r, err := s.GetRole(ctx, role.ID)
	noErr(t, "GetRole", err)
	diff(t, "the role lost the scope", []store.Permission{perm(apiA, "read")}, r.Permissions)
	_, err = s.GetAccessToken(ctx, cc.Hash, n)
	wantErr(t, "client_credentials token of an app that held it", err, store.ErrNotFound)
	res, err = s.GetResourceByIndicator(ctx, apiA)
	noErr(t, "GetResourceByIndicator", err)
	diff(t, "Resource.Scopes after delete", []string{"read", "write"}, res.Scopes)

	// Update, then delete cascades to scopes and role permissions.
	res.Name, res.AccessTokenTTL = "Renamed", 5*time.Minute
	upr, err := s.UpdateResource(ctx, res)
	noErr(t, "UpdateResource", err)
	diff(t, "UpdateResource", res, upr)
	_, err = s.UpdateResource(ctx, store.Resource{ID: "nope", Name: "x"})
	wantErr(t, "UpdateResource missing", err, store.ErrNotFound)
	noErr(t, "DeleteResource", s.DeleteResource(ctx, a.ID))
	_, err = s.GetResourceScope(ctx, l[0].ID)
	wantErr(t, "scope of a deleted resource", err, store.ErrNotFound)
	r, err = s.GetRole(ctx, role.ID)
	noErr(t, "GetRole", err)
	if len(r.Permissions) != 0 {
		t.Fatalf("permissions on a deleted resource: %v", r.Permissions)
	}
}

// testConcurrentCreateScope: scopes added at once to one resource all end
// up in Resource.Scopes (each rewrite of the JSON sees the others).
func testConcurrentCreateScope(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	a, _ := roleResources(t, s)
	const k = 10
	errs := race(t, k, func(i int) error {
		return s.CreateResourceScope(ctx, store.ResourceScope{ID: fmt.Sprintf("sc-%d", i), ResourceID: a.ID,
			Name: fmt.Sprintf("s%d", i), CreatedAt: n.Add(time.Duration(i+1) * time.Second)})
	})
	for i, err := range errs {
		noErr(t, fmt.Sprintf("CreateResourceScope %d", i), err)
	}
	got, err := s.GetResource(ctx, a.ID)
	noErr(t, "GetResource", err)
	if len(got.Scopes) != 2+k {
		t.Fatalf("Resource.Scopes after %d concurrent creates: %v", k, got.Scopes)
	}
}
