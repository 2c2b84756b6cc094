package app_test

import (
	"context"
	"testing"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/store"
)

// TestManagementAssignAllOrNothing: an assignment naming several roles or
// apps is refused whole when one breaks a type rule, even if it is not the
// first: nothing is assigned (docs/management-api.md).
func TestManagementAssignAllOrNothing(t *testing.T) {
	m := newMgmt(t)
	ctx := context.Background()
	tok := m.token(t, m.appID, m.secret, admin.APIIndicator(m.URL), admin.Scope)
	u := m.user(t, "carol", "carol-password-1")
	userRole := m.role(t, "editors", store.RoleUser, nil)
	m2mRole := m.role(t, "jobs", store.RoleM2M, nil)

	st, _, raw := m.call(t, tok, "POST", "/api/users/"+u.ID+"/roles", map[string]any{"roleIds": []string{userRole.ID, m2mRole.ID}})
	if st != 400 || decodeJSON[apiErr](t, raw).Code != "role.type_mismatch" {
		t.Fatalf("user roles with an m2m role last: %d %s", st, raw)
	}
	if l, _ := m.Store.ListUserRoles(ctx, u.ID); len(l) != 0 {
		t.Errorf("a refused assignment gave the user %v", l)
	}

	m2mApp, _ := m.app(t, store.AppM2M, nil, nil)
	spaApp, _ := m.app(t, store.AppSPA, []string{"https://spa.example/cb"}, nil)
	st, _, raw = m.call(t, tok, "POST", "/api/roles/"+m2mRole.ID+"/applications", map[string]any{"applicationIds": []string{m2mApp, spaApp}})
	if st != 400 || decodeJSON[apiErr](t, raw).Code != "role.type_mismatch" {
		t.Fatalf("role to an m2m and a SPA app: %d %s", st, raw)
	}
	if l, _ := m.Store.ListClientRoles(ctx, m2mApp); len(l) != 0 {
		t.Errorf("a refused assignment gave the m2m app %v", l)
	}

	st, _, raw = m.call(t, tok, "POST", "/api/applications/"+m2mApp+"/roles", map[string]any{"roleIds": []string{m2mRole.ID, userRole.ID}})
	if st != 400 {
		t.Fatalf("app roles with a user role last: %d %s", st, raw)
	}
	if l, _ := m.Store.ListClientRoles(ctx, m2mApp); len(l) != 0 {
		t.Errorf("a refused assignment gave the m2m app %v", l)
	}
}
