package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/store"
)

// The console's app details (settings, named secrets) and user details
// (sessions, profile, roles) through a real server.

// clientAuthOK reports whether the token endpoint accepts id and secret as
// client credentials (a bogus refresh token then fails as invalid_grant,
// not invalid_client).
func (e *env) clientAuthOK(t testing.TB, id, secret string) bool {
	t.Helper()
	_, m, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"bogus"}}, id, secret)
	return m["error"] != "invalid_client"
}

func TestConsoleUserDetails(t *testing.T) {
	e, b, csrf := signedInConsole(t)
	ctx := context.Background()
	actor := rootActor(t, e)
	bob := e.user(t, "bob", "bob-password-1")
	redirect := "https://shop.example/cb"
	id, sec := e.app(t, store.AppTraditional, []string{redirect}, nil)
	code, verifier, _ := e.flow(t, e.browser(t), id, redirect, true, "bob", "bob-password-1", nil)
	if st, m := e.exchange(t, id, sec, code, verifier, redirect); st != http.StatusOK {
		t.Fatalf("exchange %d %v", st, m)
	}
	base := "/console/users/" + bob.ID
	resp, body := b.getPage(t, e, base)
	wantStatus(t, "details", resp, body, http.StatusOK, "Active sessions", "Test traditional", "No roles.", "Email verified</dt><dd>Yes")

	resp, body = b.postPage(t, base+"/profile", csrf, url.Values{"username": {"bob"}, "email": {"bob@new.example"}, "name": {"Bob Baker"},
		"phone": {"+4412345678"}, "profile": {`{"givenName":"Bob"}`}, "custom_data": {`{"plan":"pro"}`}})
	wantStatus(t, "profile", resp, body, http.StatusOK, "Saved.", "bob@new.example", "Email verified</dt><dd>No")
	u, err := e.Store.GetUser(ctx, bob.ID)
	if err != nil || u.Email != "bob@new.example" || u.EmailVerified || u.Name != "Bob Baker" || u.Phone != "+4412345678" || u.Profile.GivenName != "Bob" || u.CustomData["plan"] != "pro" {
		t.Fatalf("stored %+v %v", u, err)
	}
	up := e.wantAudit(t, "Admin.User.Update", actor, "user:"+bob.ID)
	if !strings.Contains(string(up.After), `"plan":"pro"`) || strings.Contains(string(up.Before), `"plan"`) {
		t.Fatalf("profile entry %s → %s", up.Before, up.After)
	}
	for _, c := range []struct{ field, value, msg string }{
		{"phone", "call me", "digits only"},
		{"custom_data", "[1]", "must be a JSON object"},
		{"avatar", "http://x.example/a.png", "https URL"},
		{"email", "not-an-email", ""},
	} {
		f := url.Values{"username": {"bob"}, "email": {"bob@example.com"}, "name": {"Typed name"}, "custom_data": {"{}"}}
		f.Set(c.field, c.value)
		resp, body = b.postPage(t, base+"/profile", csrf, f)
		wantStatus(t, c.field, resp, body, http.StatusBadRequest, c.msg, "Typed name")
		i := strings.Index(body, `id="`+c.field+`"`)
		if i < 0 || !strings.Contains(body[i:i+300], `aria-invalid="true"`) {
			t.Fatalf("%s: the error is not by its field\n%.4000s", c.field, body)
		}
	}
	if x, _ := e.Store.GetUser(ctx, bob.ID); x.Name != "Bob Baker" {
		t.Fatalf("a refused profile changed the user: %+v", x)
	}

	editors := e.role(t, "Editors", store.RoleUser, nil)
	robots := e.role(t, "Robots", store.RoleM2M, nil)
	_, body = b.getPage(t, e, base)
	if !strings.Contains(body, `<option value="`+editors.ID+`">Editors</option>`) || strings.Contains(body, robots.ID) || strings.Contains(body, `value="`+admin.AdminRoleID+`"`) {
		t.Fatal("the role choice is not exactly the assignable user roles")
	}
	resp, body = b.postPage(t, base+"/roles", csrf, url.Values{"role_id": {editors.ID}})
	wantStatus(t, "assign", resp, body, http.StatusOK, "The role is assigned", "Remove Editors")
	if l, _ := e.Store.ListUserRoles(ctx, bob.ID); len(l) != 1 || l[0].ID != editors.ID {
		t.Fatalf("roles %+v", l)
	}
	e.wantAudit(t, "Admin.User.AssignRoles", actor, "user:"+bob.ID)
	for _, rid := range []string{robots.ID, admin.AdminRoleID, "nope", ""} {
		resp, body = b.postPage(t, base+"/roles", csrf, url.Values{"role_id": {rid}})
		wantStatus(t, "assign "+rid, resp, body, http.StatusBadRequest)
	}
	resp, body = b.postPage(t, base+"/roles/"+editors.ID+"/delete", csrf, nil)
	wantStatus(t, "unassign", resp, body, http.StatusOK, "The role is taken away", "No roles.")
	e.wantAudit(t, "Admin.User.UnassignRole", actor, "user:"+bob.ID)
	if l, _ := e.Store.ListUserRoles(ctx, bob.ID); len(l) != 0 || len(e.adminEntries(t, "Admin.User.AssignRoles")) != 1 {
		t.Fatalf("roles %+v, or a refused assignment was recorded", l)
	}
}

// TestConsoleDetailsCSRF: every form of the app and user details pages
// refuses a missing or forged token and changes nothing.
func TestConsoleDetailsCSRF(t *testing.T) {
	e, b, _ := signedInConsole(t)
	ctx := context.Background()
	id, _ := e.app(t, store.AppTraditional, []string{"https://shop.example/cb"}, nil)
	bob := e.user(t, "bob", "bob-password-1")
	editors := e.role(t, "Editors", store.RoleUser, nil)
	form := url.Values{"description": {"Evil"}, "id_token_ttl": {"60"}, "secret_name": {"default"}, "confirm": {"yes"},
		"grace_hours": {"0"}, "name": {"Evil"}, "custom_data": {`{"evil":true}`}, "role_id": {editors.ID}}
	for _, path := range []string{"/console/apps/" + id + "/settings", "/console/apps/" + id + "/secrets",
		"/console/apps/" + id + "/secrets/delete", "/console/apps/" + id + "/secrets/rotate",
		"/console/users/" + bob.ID + "/profile", "/console/users/" + bob.ID + "/roles",
		"/console/users/" + bob.ID + "/roles/" + editors.ID + "/delete"} {
		for _, tok := range []string{"", "forged"} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("csrf_token", tok)
			resp := b.post(t, path, f)
			body, _, _ := page(t, resp)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form has expired") || secretRe.MatchString(body) {
				t.Errorf("POST %s with token %q: %d, want 403", path, tok, resp.StatusCode)
			}
		}
	}
	if c, _ := e.Store.GetClient(ctx, id); c.Description != "" {
		t.Error("the app changed")
	}
	if l, _ := e.Store.ListClientSecrets(ctx, id); len(l) != 1 || l[0].Name != store.SecretDefault {
		t.Errorf("secrets changed: %+v", l)
	}
	if u, _ := e.Store.GetUser(ctx, bob.ID); u.Name != bob.Name || u.CustomData != nil {
		t.Error("the user changed")
	}
	if l, _ := e.Store.ListUserRoles(ctx, bob.ID); len(l) != 0 {
		t.Error("a role was assigned")
	}
}
