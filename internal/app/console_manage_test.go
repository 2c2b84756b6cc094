package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/store"
)

// The console's resources, roles, sign-in experience, audit log and
// administrators pages (internal/console), through a real server.

// signedInConsole is consoleEnv with root signed in; it returns the
// browser and a CSRF token for the console's forms.
func signedInConsole(t *testing.T, opts ...envOption) (*env, *browser, string) {
	t.Helper()
	e := consoleEnv(t, opts...)
	b := e.browser(t)
	_, body := e.consoleSignIn(t, b, "/console/", "root", "root-password-1")
	return e, b, csrfOf(t, body)
}

// postPage posts form with the CSRF token and reads the answer.
func (b *browser) postPage(t testing.TB, path, csrf string, form url.Values) (*http.Response, string) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", csrf)
	resp := b.post(t, path, form)
	body, _, _ := page(t, resp)
	return resp, body
}

// getPage reads a console page.
func (b *browser) getPage(t testing.TB, e *env, path string) (*http.Response, string) {
	t.Helper()
	resp := b.get(t, e.URL+path)
	body, _, _ := page(t, resp)
	return resp, body
}

// adminEntries are the audit log's entries with key, newest first.
func (e *env) adminEntries(t testing.TB, key string) []audit.Entry {
	t.Helper()
	es, _, err := e.Store.ListAudit(context.Background(), audit.Query{Key: key, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// wantAudit checks that the newest entry with key was recorded against
// the administrator actor with the target, and returns it.
func (e *env) wantAudit(t testing.TB, key, actor, target string) audit.Entry {
	t.Helper()
	es := e.adminEntries(t, key)
	if len(es) == 0 {
		t.Fatalf("no audit entry %s", key)
	}
	if es[0].Actor != actor || (target != "" && es[0].Target != target) || es[0].IP == "" || es[0].UserAgent == "" {
		t.Fatalf("audit entry %s = %+v, want actor %s target %s with IP and user agent", key, es[0], actor, target)
	}
	return es[0]
}

func rootActor(t testing.TB, e *env) string {
	t.Helper()
	u, err := e.Store.GetUserByLogin(context.Background(), "root")
	if err != nil {
		t.Fatal(err)
	}
	return "user:" + u.ID
}

func wantStatus(t testing.TB, what string, resp *http.Response, body string, status int, texts ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%.3000s", what, resp.StatusCode, status, body)
	}
	for _, s := range texts {
		if !strings.Contains(body, s) {
			t.Fatalf("%s: page lacks %q\n%.4000s", what, s, body)
		}
	}
}

func TestConsoleResources(t *testing.T) {
	e, b, csrf := signedInConsole(t)
	ctx := context.Background()
	actor := rootActor(t, e)

	resp, body := b.getPage(t, e, "/console/resources")
	wantStatus(t, "list", resp, body, http.StatusOK, "Management API", e.URL+"/api", "built in")

	// Validation errors by their fields; nothing created.
	resp, body = b.postPage(t, "/console/resources", csrf, url.Values{"name": {"Orders"}, "indicator": {"not a uri"}, "ttl": {"3600"}})
	wantStatus(t, "bad indicator", resp, body, http.StatusBadRequest, `aria-invalid="true"`, "absolute URI", `value="Orders"`)
	if strings.Contains(body, "--indicator") {
		t.Fatal("the CLI flag name is shown")
	}
	resp, body = b.postPage(t, "/console/resources", csrf, url.Values{"name": {"Orders"}, "indicator": {"https://api.example/orders"}, "ttl": {"soon"}})
	wantStatus(t, "bad ttl", resp, body, http.StatusBadRequest, "whole number of seconds")
	resp, body = b.postPage(t, "/console/resources", csrf, url.Values{"name": {"Orders"}, "indicator": {"https://api.example/orders"}, "ttl": {"999999"}})
	wantStatus(t, "ttl out of range", resp, body, http.StatusBadRequest, "between 1s and 24h")
	if rs, _ := e.Store.ListResources(ctx); len(rs) != 2 {
		t.Fatalf("resources after bad input: %d, want the 2 seeded", len(rs))
	}

	resp, body = b.postPage(t, "/console/resources", csrf, url.Values{"name": {xssName}, "indicator": {"https://api.example/orders"}, "ttl": {"600"}})
	wantStatus(t, "create", resp, body, http.StatusOK, "The API resource is registered")
	if strings.Contains(body, "<script>window.pwned") {
		t.Fatal("resource name rendered unescaped")
	}
	id := strings.TrimPrefix(resp.Request.URL.Path, "/console/resources/")
	x, err := e.Store.GetResource(ctx, id)
	if err != nil || x.Name != xssName || x.AccessTokenTTL != 10*time.Minute {
		t.Fatalf("created %+v %v", x, err)
	}
	e.wantAudit(t, "Admin.Resource.Create", actor, "resource:"+id)
	resp, body = b.postPage(t, "/console/resources", csrf, url.Values{"name": {"Again"}, "indicator": {"https://api.example/orders"}, "ttl": {"600"}})
	wantStatus(t, "duplicate", resp, body, http.StatusBadRequest, "already exists")

	// Permissions: add, a bad name, a duplicate, edit, delete.
	resp, body = b.postPage(t, "/console/resources/"+id+"/scopes", csrf, url.Values{"scope_name": {"read:orders"}, "scope_description": {"Read the orders"}})
	wantStatus(t, "add scope", resp, body, http.StatusOK, "read:orders", "Read the orders")
	resp, body = b.postPage(t, "/console/resources/"+id+"/scopes", csrf, url.Values{"scope_name": {"has space"}})
	wantStatus(t, "bad scope", resp, body, http.StatusBadRequest, "not a valid permission name", `value="has space"`)
	resp, body = b.postPage(t, "/console/resources/"+id+"/scopes", csrf, url.Values{"scope_name": {"read:orders"}})
	wantStatus(t, "duplicate scope", resp, body, http.StatusBadRequest, "already defines scope")
	scopes, err := e.Store.ListResourceScopes(ctx, id)
	if err != nil || len(scopes) != 1 {
		t.Fatalf("scopes %+v %v", scopes, err)
	}
	sc := scopes[0]
	resp, body = b.postPage(t, "/console/resources/"+id+"/scopes/"+sc.ID, csrf, url.Values{"description": {strings.Repeat("x", 1001)}})
	wantStatus(t, "long description", resp, body, http.StatusBadRequest, "at most 1000 bytes")
	resp, body = b.postPage(t, "/console/resources/"+id+"/scopes/"+sc.ID, csrf, url.Values{"description": {"Orders, read"}})
	wantStatus(t, "edit scope", resp, body, http.StatusOK, "Orders, read")
	e.wantAudit(t, "Admin.Resource.UpdateScope", actor, "resource:"+id)

	// Settings: rename and lifetime.
	resp, body = b.postPage(t, "/console/resources/"+id, csrf, url.Values{"name": {""}, "ttl": {"600"}})
	wantStatus(t, "empty name", resp, body, http.StatusBadRequest, "Name is required")
	resp, body = b.postPage(t, "/console/resources/"+id, csrf, url.Values{"name": {"Orders"}, "ttl": {"120"}})
	wantStatus(t, "update", resp, body, http.StatusOK, "Saved.")
	if x, _ := e.Store.GetResource(ctx, id); x.Name != "Orders" || x.AccessTokenTTL != 2*time.Minute {
		t.Fatalf("updated %+v", x)
	}
	up := e.wantAudit(t, "Admin.Resource.Update", actor, "resource:"+id)
	if !strings.Contains(string(up.Before), `"accessTokenTtl":600`) || !strings.Contains(string(up.After), `"accessTokenTtl":120`) {
		t.Fatalf("update before/after: %s %s", up.Before, up.After)
	}

	resp, body = b.postPage(t, "/console/resources/"+id+"/scopes/"+sc.ID+"/delete", csrf, nil)
	wantStatus(t, "delete scope", resp, body, http.StatusOK, "The permission is deleted")
	if l, _ := e.Store.ListResourceScopes(ctx, id); len(l) != 0 {
		t.Fatalf("scope not deleted: %+v", l)
	}

	// The Management API cannot be deleted: the domain's message is shown.
	resp, body = b.postPage(t, "/console/resources/"+admin.APIResourceID+"/delete", csrf, url.Values{"confirm": {"yes"}})
	wantStatus(t, "delete the Management API", resp, body, http.StatusBadRequest, "is the Management API and cannot be deleted")
	resp, body = b.postPage(t, "/console/resources/"+id+"/delete", csrf, nil)
	wantStatus(t, "delete unconfirmed", resp, body, http.StatusBadRequest, "Tick the box")
	resp, body = b.postPage(t, "/console/resources/"+id+"/delete", csrf, url.Values{"confirm": {"yes"}})
	wantStatus(t, "delete", resp, body, http.StatusOK)
	if _, err := e.Store.GetResource(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("not deleted: %v", err)
	}
	e.wantAudit(t, "Admin.Resource.Delete", actor, "resource:"+id)
	resp, _ = b.getPage(t, e, "/console/resources/"+id)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("deleted resource page: %d", resp.StatusCode)
	}
}

func TestConsoleRoles(t *testing.T) { testConsoleRoles(t) }

func TestConsoleRolesPostgres(t *testing.T) { testConsoleRoles(t, onPostgres(t), withConsoleMaster) }

func testConsoleRoles(t *testing.T, opts ...envOption) {
	e, b, csrf := signedInConsole(t, opts...)
	ctx := context.Background()
	actor := rootActor(t, e)
	e.resource(t, "https://api.example/orders", "read:orders", "write:orders")
	bob := e.user(t, "bob", "bob-password-1")

	resp, body := b.getPage(t, e, "/console/roles")
	wantStatus(t, "user roles", resp, body, http.StatusOK, admin.AdminRoleName)
	resp, body = b.getPage(t, e, "/console/roles?type=m2m")
	wantStatus(t, "m2m roles", resp, body, http.StatusOK, admin.M2MRoleName)
	if strings.Contains(body, admin.AdminRoleName) {
		t.Fatal("the m2m tab lists a user role")
	}

	resp, body = b.postPage(t, "/console/roles", csrf, url.Values{"name": {""}, "type": {"user"}})
	wantStatus(t, "empty name", resp, body, http.StatusBadRequest, "Name must be 1 to 128 characters")
	resp, body = b.postPage(t, "/console/roles", csrf, url.Values{"name": {"Robots"}, "type": {"m2m"}, "is_default": {"true"}})
	wantStatus(t, "default m2m", resp, body, http.StatusBadRequest, "Only user roles can be default roles", `value="Robots"`)
	resp, body = b.postPage(t, "/console/roles", csrf, url.Values{"name": {admin.AdminRoleName}, "type": {"user"}})
	wantStatus(t, "duplicate", resp, body, http.StatusBadRequest, "already exists")

	resp, body = b.postPage(t, "/console/roles", csrf, url.Values{"name": {xssName}, "description": {"Edits orders"}, "type": {"user"}, "is_default": {"true"}})
	wantStatus(t, "create", resp, body, http.StatusOK, "The role is created", "read:orders", "write:orders")
	if strings.Contains(body, "<script>window.pwned") {
		t.Fatal("role name rendered unescaped")
	}
	id := strings.TrimPrefix(resp.Request.URL.Path, "/console/roles/")
	ro, err := e.Store.GetRole(ctx, id)
	if err != nil || ro.Name != xssName || !ro.IsDefault || ro.Type != store.RoleUser {
		t.Fatalf("created %+v %v", ro, err)
	}
	e.wantAudit(t, "Admin.Role.Create", actor, "role:"+id)

	// Permissions from the resources' scopes.
	resp, body = b.postPage(t, "/console/roles/"+id+"/scopes", csrf, nil)
	wantStatus(t, "no scope chosen", resp, body, http.StatusBadRequest, "Choose at least one permission")
	scopes, _ := e.Store.ListResources(ctx)
	var read, write string
	for _, x := range scopes {
		if x.Indicator == "https://api.example/orders" {
			l, _ := e.Store.ListResourceScopes(ctx, x.ID)
			for _, sc := range l {
				if sc.Name == "read:orders" {
					read = sc.ID
				} else {
					write = sc.ID
				}
			}
		}
	}
	resp, body = b.postPage(t, "/console/roles/"+id+"/scopes", csrf, url.Values{"scope_id": {read, write}})
	wantStatus(t, "add scopes", resp, body, http.StatusOK, "The permissions are added")
	if ro, _ = e.Store.GetRole(ctx, id); len(ro.Permissions) != 2 {
		t.Fatalf("permissions %+v", ro.Permissions)
	}
	resp, body = b.postPage(t, "/console/roles/"+id+"/scopes", csrf, url.Values{"scope_id": {"no-such-scope"}})
	wantStatus(t, "unknown scope", resp, body, http.StatusBadRequest, "No scope with id")
	resp, body = b.postPage(t, "/console/roles/"+id+"/scopes/"+write+"/delete", csrf, nil)
	wantStatus(t, "remove scope", resp, body, http.StatusOK, "The permission is removed")
	if ro, _ = e.Store.GetRole(ctx, id); len(ro.Permissions) != 1 || ro.Permissions[0].Scope != "read:orders" {
		t.Fatalf("permissions after removal %+v", ro.Permissions)
	}

	// Users: find by search, assign, remove.
	resp, body = b.getPage(t, e, "/console/roles/"+id+"?q=bob")
	wantStatus(t, "search", resp, body, http.StatusOK, "bob@example.com", `name="user_id" value="`+bob.ID+`"`)
	resp, body = b.postPage(t, "/console/roles/"+id+"/users", csrf, url.Values{"user_id": {bob.ID}})
	wantStatus(t, "assign", resp, body, http.StatusOK, "The role is assigned", "Users (1)", "bob@example.com")
	if l, _ := e.Store.ListUserRoles(ctx, bob.ID); len(l) != 1 || l[0].ID != id {
		t.Fatalf("bob's roles %+v", l)
	}
	e.wantAudit(t, "Admin.Role.AssignUsers", actor, "role:"+id)
	resp, body = b.postPage(t, "/console/roles/"+id+"/users", csrf, url.Values{"user_id": {"nobody"}})
	wantStatus(t, "unknown user", resp, body, http.StatusBadRequest, "No user")
	resp, body = b.postPage(t, "/console/roles/"+id+"/users/"+bob.ID+"/delete", csrf, nil)
	wantStatus(t, "unassign", resp, body, http.StatusOK, "The role is taken away", "Users (0)")
	resp, body = b.postPage(t, "/console/roles/"+id+"/users/"+bob.ID+"/delete", csrf, nil)
	wantStatus(t, "unassign again", resp, body, http.StatusBadRequest, "does not hold role")

	// Edit: a default role no more, a new description.
	resp, body = b.postPage(t, "/console/roles/"+id, csrf, url.Values{"name": {"Editors"}, "description": {"Edit"}})
	wantStatus(t, "update", resp, body, http.StatusOK, "Saved.")
	if ro, _ = e.Store.GetRole(ctx, id); ro.Name != "Editors" || ro.IsDefault || ro.Description != "Edit" {
		t.Fatalf("updated %+v", ro)
	}
	upd := e.wantAudit(t, "Admin.Role.Update", actor, "role:"+id)
	if !strings.Contains(string(upd.Before), `"isDefault":true`) || !strings.Contains(string(upd.After), `"isDefault":false`) {
		t.Fatalf("update before/after %s %s", upd.Before, upd.After)
	}

	// Machine-to-machine: assign an m2m app, not a user app.
	robot, _ := e.app(t, store.AppM2M, nil, nil)
	web, _ := e.app(t, store.AppTraditional, []string{"https://app.example/cb"}, nil)
	resp, body = b.postPage(t, "/console/roles", csrf, url.Values{"name": {"Robots"}, "type": {"m2m"}})
	wantStatus(t, "create m2m", resp, body, http.StatusOK, "Machine-to-machine apps (0)")
	m2mRole := strings.TrimPrefix(resp.Request.URL.Path, "/console/roles/")
	if !strings.Contains(body, `<option value="`+robot+`"`) || strings.Contains(body, `<option value="`+web+`"`) {
		t.Fatalf("app choices:\n%.4000s", body)
	}
	resp, body = b.postPage(t, "/console/roles/"+m2mRole+"/apps", csrf, url.Values{"app_id": {web}})
	wantStatus(t, "assign a web app", resp, body, http.StatusBadRequest, "roles are for m2m apps")
	resp, body = b.postPage(t, "/console/roles/"+m2mRole+"/apps", csrf, url.Values{"app_id": {robot}})
	wantStatus(t, "assign m2m", resp, body, http.StatusOK, "Machine-to-machine apps (1)")
	resp, body = b.postPage(t, "/console/roles/"+m2mRole+"/apps/"+robot+"/delete", csrf, nil)
	wantStatus(t, "unassign m2m", resp, body, http.StatusOK, "Machine-to-machine apps (0)")
	e.wantAudit(t, "Admin.Role.UnassignApplication", actor, "role:"+m2mRole)

	// Built-in roles cannot be deleted or renamed; others can be deleted.
	resp, body = b.postPage(t, "/console/roles/"+admin.AdminRoleID+"/delete", csrf, url.Values{"confirm": {"yes"}})
	wantStatus(t, "delete the admin role", resp, body, http.StatusBadRequest, "is built in and cannot be deleted")
	resp, body = b.postPage(t, "/console/roles/"+admin.AdminRoleID, csrf, url.Values{"name": {"Mine"}})
	wantStatus(t, "rename the admin role", resp, body, http.StatusBadRequest, "cannot be deleted or renamed")
	resp, body = b.postPage(t, "/console/roles/"+id+"/delete", csrf, url.Values{"confirm": {"yes"}})
	wantStatus(t, "delete", resp, body, http.StatusOK, "User roles")
	if _, err := e.Store.GetRole(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("role not deleted: %v", err)
	}
	e.wantAudit(t, "Admin.Role.Delete", actor, "role:"+id)
}

func TestConsoleSignInExperience(t *testing.T) {
	e, b, csrf := signedInConsole(t)
	actor := rootActor(t, e)
	resp, body := b.getPage(t, e, "/console/sign-in-experience")
	wantStatus(t, "page", resp, body, http.StatusOK, `value="#4f46e5"`, `href="/console/sign-in-experience/preview"`)

	good := func() url.Values {
		return url.Values{"display_name": {"Acme"}, "logo_url": {"https://acme.example/logo.svg"}, "primary_color": {"#112233"},
			"dark_primary_color": {"#445566"}, "dark_mode": {"true"}, "identifier_username": {"true"}, "identifier_email": {"true"},
			"registration": {"true"}, "min_length": {"10"}, "char_types": {"2"}, "words": {"acme\n\nsesame\n"}}
	}
	for _, c := range []struct {
		field, value, want string
	}{
		{"logo_url", "javascript:alert(1)", "https URL"},
		{"logo_url", "http://acme.example/logo.svg", "Https only"},
		{"primary_color", "red;}body{display:none", "A colour is #rrggbb"},
		{"dark_primary_color", "#12345", "A colour is #rrggbb"},
		{"min_length", "four", "Minimum length must be a number"},
		{"min_length", "3", "Between"},
		{"char_types", "5", "Between 0 and 4"},
		{"identifier_username", "", "At least one sign-in identifier"},
	} {
		f := good()
		f.Set(c.field, c.value)
		if c.field == "identifier_username" {
			f.Del("identifier_email")
		}
		resp, body = b.postPage(t, "/console/sign-in-experience", csrf, f)
		wantStatus(t, c.field+"="+c.value, resp, body, http.StatusBadRequest, c.want, `class="field-error"`, `value="Acme"`)
	}
	if es := e.adminEntries(t, "Admin.SignInExperience.Update"); len(es) != 0 {
		t.Fatalf("refused settings were recorded: %+v", es)
	}

	resp, body = b.postPage(t, "/console/sign-in-experience", csrf, good())
	wantStatus(t, "save", resp, body, http.StatusOK, "Saved.", `value="#112233"`, "acme\nsesame</textarea>", `value="10"`)
	en := e.wantAudit(t, "Admin.SignInExperience.Update", actor, "signInExperience")
	if !strings.Contains(string(en.Before), `"primaryColor":"#4f46e5"`) || !strings.Contains(string(en.After), `"primaryColor":"#112233"`) ||
		!strings.Contains(string(en.After), `"words":["acme","sesame"]`) {
		t.Fatalf("before/after: %s\n%s", en.Before, en.After)
	}
	// The hosted sign-in page uses the settings at once.
	resp, _ = e.signInPage(t, e.browser(t))
	body, _, _ = page(t, resp)
	if !strings.Contains(body, "Acme") || !strings.Contains(body, `src="https://acme.example/logo.svg"`) {
		t.Fatalf("sign-in page lacks the branding:\n%.3000s", body)
	}
	// The policy applies to new passwords: "acme" is a rejected word.
	resp, body = b.postPage(t, "/console/users", csrf, url.Values{"username": {"carol"}, "password": {"Acme-acme-1234"}, "password_repeat": {"Acme-acme-1234"}})
	wantStatus(t, "password with a rejected word", resp, body, http.StatusBadRequest)

	// Closing registration and signing in by email only.
	f := good()
	f.Del("registration")
	f.Del("identifier_username")
	resp, body = b.postPage(t, "/console/sign-in-experience", csrf, f)
	wantStatus(t, "close registration", resp, body, http.StatusOK, "Saved.")
	if strings.Contains(body, `id="registration" type="checkbox" name="registration" value="true" checked`) ||
		strings.Contains(body, `name="identifier_username" value="true" checked`) {
		t.Fatalf("saved form still shows registration or username:\n%.3000s", body)
	}

	// The preview is a console sign-in that asks for the password.
	b.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp = b.get(t, e.URL+"/console/sign-in-experience/preview")
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Path != "/oidc/auth" || loc.Query().Get("prompt") != "login" {
		t.Fatalf("preview: %d %s", resp.StatusCode, loc)
	}
}

func TestConsoleAuditLog(t *testing.T) { testConsoleAuditLog(t) }

func TestConsoleAuditLogPostgres(t *testing.T) {
	testConsoleAuditLog(t, onPostgres(t), withConsoleMaster)
}

func testConsoleAuditLog(t *testing.T, opts ...envOption) {
	e, b, csrf := signedInConsole(t, opts...)
	actor := rootActor(t, e)
	// Some history: a failed sign-in, an admin change with before/after.
	rp, _ := e.app(t, store.AppTraditional, []string{"https://app.example/cb"}, nil)
	other := e.browser(t)
	other.login(t, other.get(t, e.authURL(rp, "https://app.example/cb", nil)), "root", "wrong-password").Body.Close()
	resp, body := b.postPage(t, "/console/sign-in-experience", csrf, url.Values{"display_name": {`<script>window.pwned=1</script>`}, "primary_color": {"#112233"},
		"dark_primary_color": {"#445566"}, "identifier_username": {"true"}, "min_length": {"8"}, "char_types": {"0"}})
	wantStatus(t, "settings", resp, body, http.StatusOK, "Saved.")
	if err := e.Server.Audit().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	resp, body = b.getPage(t, e, "/console/audit")
	wantStatus(t, "log", resp, body, http.StatusOK, "Admin.SignInExperience.Update", actor, "signInExperience",
		"Interaction.SignIn.Submit", "Failed: wrong_password", "<details", "Before", "After", "&#34;primaryColor&#34;: &#34;#112233&#34;")
	if strings.Contains(body, "<script>window.pwned") {
		t.Fatal("a document rendered unescaped")
	}
	resp, body = b.getPage(t, e, "/console/audit?event=Admin.SignInExperience.Update")
	wantStatus(t, "by event", resp, body, http.StatusOK, "1 entry.")
	if strings.Contains(body, "Interaction.SignIn.Submit</code>") {
		t.Fatal("event filter let a sign-in through")
	}
	resp, body = b.getPage(t, e, "/console/audit?app="+rp)
	wantStatus(t, "by app", resp, body, http.StatusOK, "app "+rp)
	if strings.Contains(body, "Admin.SignInExperience") {
		t.Fatal("app filter let a settings change through")
	}
	resp, body = b.getPage(t, e, "/console/audit?user=nobody")
	wantStatus(t, "by unknown user", resp, body, http.StatusOK, "No entries match")
	future := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04")
	resp, body = b.getPage(t, e, "/console/audit?from="+future)
	wantStatus(t, "from the future", resp, body, http.StatusOK, "No entries match")
	resp, body = b.getPage(t, e, "/console/audit?to="+future)
	wantStatus(t, "until the future", resp, body, http.StatusOK, "Admin.SignInExperience.Update")
	resp, body = b.getPage(t, e, "/console/audit?from=yesterday")
	wantStatus(t, "bad time", resp, body, http.StatusBadRequest, "From must be a date and time")

	// Paging: 50 a page.
	for i := range 60 {
		if err := e.Store.AppendAudit(context.Background(), audit.Entry{ID: "bulk-" + string(rune('a'+i/26)) + string(rune('a'+i%26)),
			Key: "Admin.Test.Bulk", Result: audit.Success, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	resp, body = b.getPage(t, e, "/console/audit?event=Admin.Test.Bulk")
	wantStatus(t, "page 1", resp, body, http.StatusOK, "60 entries.", `rel="next"`)
	resp, body = b.getPage(t, e, "/console/audit?event=Admin.Test.Bulk&page=2")
	wantStatus(t, "page 2", resp, body, http.StatusOK, `rel="prev"`)
	if strings.Count(body, "Admin.Test.Bulk</code>") != 10 {
		t.Fatalf("page 2 has %d entries, want 10", strings.Count(body, "Admin.Test.Bulk</code>"))
	}
}

// TestConsoleAdmins: add administrators (new, or an existing user), a
// second administrator signs in, a disabled one gets the not-an-
// administrator page, and the last one cannot be disabled.
func TestConsoleAdmins(t *testing.T) {
	e, b, csrf := signedInConsole(t)
	ctx := context.Background()
	actor := rootActor(t, e)
	root, _ := e.Store.GetUserByLogin(ctx, "root")

	resp, body := b.getPage(t, e, "/console/admins")
	wantStatus(t, "list", resp, body, http.StatusOK, "root", "(you)", "Enabled")

	resp, body = b.postPage(t, "/console/admins", csrf, url.Values{"mode": {"create"}, "username": {"second"}, "password": {"second-password-1"}, "password_repeat": {"other"}})
	wantStatus(t, "passwords differ", resp, body, http.StatusBadRequest, "The two passwords differ", `value="second"`)
	resp, body = b.postPage(t, "/console/admins", csrf, url.Values{"mode": {"create"}, "password": {"second-password-1"}, "password_repeat": {"second-password-1"}})
	wantStatus(t, "no login", resp, body, http.StatusBadRequest, "needs")
	resp, body = b.postPage(t, "/console/admins", csrf, url.Values{"mode": {"create"}, "username": {"root"}, "password": {"second-password-1"}, "password_repeat": {"second-password-1"}})
	wantStatus(t, "taken", resp, body, http.StatusBadRequest, "already exists")
	resp, body = b.postPage(t, "/console/admins", csrf, url.Values{"mode": {"create"}, "username": {"second"}, "email": {"second@example.com"},
		"password": {"second-password-1"}, "password_repeat": {"second-password-1"}})
	wantStatus(t, "create", resp, body, http.StatusOK, "The administrator is created", "second@example.com")
	second, err := e.Store.GetUserByLogin(ctx, "second")
	if err != nil {
		t.Fatal(err)
	}
	e.wantAudit(t, "Admin.User.CreateAdministrator", actor, "user:"+second.ID)

	// An existing user becomes an administrator.
	carol := e.user(t, "carol", "carol-password-1")
	resp, body = b.postPage(t, "/console/admins", csrf, url.Values{"mode": {"grant"}, "login": {"nobody"}})
	wantStatus(t, "unknown user", resp, body, http.StatusBadRequest, "No user", `value="nobody"`)
	resp, body = b.postPage(t, "/console/admins", csrf, url.Values{"mode": {"grant"}, "login": {"carol@example.com"}})
	wantStatus(t, "grant", resp, body, http.StatusOK, "The user is an administrator now", "carol@example.com")
	e.wantAudit(t, "Admin.User.EnableAdministrator", actor, "user:"+carol.ID)

	// The second administrator signs in to the console.
	b2 := e.browser(t)
	resp, body = e.consoleSignIn(t, b2, "/console/admins", "second", "second-password-1")
	wantStatus(t, "second admin", resp, body, http.StatusOK, "Administrators", "(you)")

	// Disabled, they get the not-an-administrator page on the next request.
	resp, body = b.postPage(t, "/console/admins/"+second.ID+"/disable", csrf, nil)
	wantStatus(t, "disable", resp, body, http.StatusOK, "The administrator is disabled")
	if strings.Contains(body, "second@example.com") {
		t.Fatal("a disabled administrator is still listed")
	}
	e.wantAudit(t, "Admin.User.DisableAdministrator", actor, "user:"+second.ID)
	resp, body = b2.getPage(t, e, "/console/")
	wantStatus(t, "disabled admin", resp, body, http.StatusForbidden, "You are not an administrator of this Sesame")

	// The last enabled administrator cannot be disabled.
	resp, body = b.postPage(t, "/console/admins/"+carol.ID+"/disable", csrf, nil)
	wantStatus(t, "disable carol", resp, body, http.StatusOK)
	resp, body = b.postPage(t, "/console/admins/"+root.ID+"/disable", csrf, nil)
	wantStatus(t, "disable the last", resp, body, http.StatusBadRequest, "Refusing to disable the last enabled administrator")
	resp, body = b.getPage(t, e, "/console/")
	wantStatus(t, "root still an admin", resp, body, http.StatusOK, "Get started")
}

// TestConsoleManageCSRF posts every form of these pages with no token or
// a forged one: each is refused and nothing changes.
func TestConsoleManageCSRF(t *testing.T) {
	e, b, _ := signedInConsole(t)
	ctx := context.Background()
	e.resource(t, "https://api.example/orders", "read:orders")
	rs, _ := e.Store.ListResources(ctx)
	var res store.Resource
	for _, x := range rs {
		if x.Indicator == "https://api.example/orders" {
			res = x
		}
	}
	scopes, _ := e.Store.ListResourceScopes(ctx, res.ID)
	role := e.role(t, "Editors", store.RoleUser, nil)
	m2m := e.role(t, "Robots", store.RoleM2M, nil)
	robot, _ := e.app(t, store.AppM2M, nil, nil)
	bob := e.user(t, "bob", "bob-password-1")
	if err := e.Store.AssignUserRole(ctx, bob.ID, role.ID); err != nil {
		t.Fatal(err)
	}
	root, _ := e.Store.GetUserByLogin(ctx, "root")
	form := url.Values{"name": {"Evil"}, "indicator": {"https://evil.example"}, "ttl": {"60"}, "confirm": {"yes"},
		"scope_name": {"evil"}, "description": {"evil"}, "type": {"user"}, "scope_id": {scopes[0].ID}, "user_id": {bob.ID},
		"app_id": {robot}, "display_name": {"Evil"}, "primary_color": {"#000000"}, "dark_primary_color": {"#000000"},
		"identifier_username": {"true"}, "min_length": {"8"}, "char_types": {"0"}, "mode": {"grant"}, "login": {"bob"},
		"username": {"evil"}, "password": {"evil-password-1"}, "password_repeat": {"evil-password-1"}}
	for _, path := range []string{"/console/resources", "/console/resources/" + res.ID, "/console/resources/" + res.ID + "/delete",
		"/console/resources/" + res.ID + "/scopes", "/console/resources/" + res.ID + "/scopes/" + scopes[0].ID,
		"/console/resources/" + res.ID + "/scopes/" + scopes[0].ID + "/delete",
		"/console/roles", "/console/roles/" + role.ID, "/console/roles/" + role.ID + "/delete", "/console/roles/" + role.ID + "/scopes",
		"/console/roles/" + role.ID + "/scopes/" + scopes[0].ID + "/delete", "/console/roles/" + role.ID + "/users",
		"/console/roles/" + role.ID + "/users/" + bob.ID + "/delete", "/console/roles/" + m2m.ID + "/apps",
		"/console/roles/" + m2m.ID + "/apps/" + robot + "/delete",
		"/console/sign-in-experience", "/console/admins", "/console/admins/" + root.ID + "/disable"} {
		for _, tok := range []string{"", "forged"} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("csrf_token", tok)
			resp := b.post(t, path, f)
			body, _, _ := page(t, resp)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form has expired") {
				t.Errorf("POST %s with token %q: %d, want 403\n%.300s", path, tok, resp.StatusCode, body)
			}
		}
	}
	if x, err := e.Store.GetResource(ctx, res.ID); err != nil || x.Name != res.Name || len(x.Scopes) != 1 {
		t.Errorf("resource changed: %+v %v", x, err)
	}
	if rs, _ := e.Store.ListResources(ctx); len(rs) != 3 {
		t.Errorf("resources: %d", len(rs))
	}
	if ro, err := e.Store.GetRole(ctx, role.ID); err != nil || ro.Name != "Editors" || len(ro.Permissions) != 0 {
		t.Errorf("role changed: %+v %v", ro, err)
	}
	if l, _ := e.Store.ListUserRoles(ctx, bob.ID); len(l) != 1 {
		t.Errorf("bob's roles changed: %+v", l)
	}
	if l, _ := e.Store.AllRoleUsers(ctx, admin.AdminRoleID); len(l) != 1 {
		t.Errorf("administrators changed: %d", len(l))
	}
	if es, _, _ := e.Store.ListAudit(ctx, audit.Query{Actor: "user:" + root.ID}); len(es) != 0 {
		t.Errorf("refused forms were recorded: %+v", es)
	}
	resp, body := b.getPage(t, e, "/console/sign-in-experience")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, `value="Evil"`) {
		t.Errorf("settings changed")
	}
}

// TestConsoleAppUserChangesAudited: the apps and users pages record their
// changes against the administrator, with before and after where a value
// changes, and never a secret.
func TestConsoleAppUserChangesAudited(t *testing.T) {
	e, b, csrf := signedInConsole(t)
	actor := rootActor(t, e)
	resp, body := b.postPage(t, "/console/apps", csrf, url.Values{"name": {"Shop"}, "type": {"traditional"}})
	wantStatus(t, "create app", resp, body, http.StatusCreated)
	sec := secretRe.FindStringSubmatch(body)[1]
	apps, _ := e.Store.ListClients(context.Background())
	var id string
	for _, c := range apps {
		if c.Name == "Shop" {
			id = c.ID
		}
	}
	created := e.wantAudit(t, "Admin.Application.Create", actor, "application:"+id)
	if created.ApplicationID != id || strings.Contains(string(created.After), sec) {
		t.Fatalf("app creation entry %+v %s", created, created.After)
	}
	resp, body = b.postPage(t, "/console/apps/"+id+"/uris", csrf, url.Values{"redirect_uris": {"https://shop.example/cb"}})
	wantStatus(t, "uris", resp, body, http.StatusOK)
	up := e.wantAudit(t, "Admin.Application.Update", actor, "application:"+id)
	if !strings.Contains(string(up.After), "https://shop.example/cb") {
		t.Fatalf("uris entry after %s", up.After)
	}
	bob := e.user(t, "bob", "bob-password-1")
	resp, body = b.postPage(t, "/console/users/"+bob.ID+"/suspend", csrf, url.Values{"suspend": {"true"}})
	wantStatus(t, "suspend", resp, body, http.StatusOK)
	su := e.wantAudit(t, "Admin.User.SetSuspended", actor, "user:"+bob.ID)
	if su.UserID != bob.ID || string(su.Before) != `{"isSuspended":false}` || string(su.After) != `{"isSuspended":true}` {
		t.Fatalf("suspend entry %+v %s %s", su, su.Before, su.After)
	}
	resp, body = b.postPage(t, "/console/users/"+bob.ID+"/password", csrf, url.Values{"password": {"bob-new-password-1"}, "password_repeat": {"bob-new-password-1"}})
	wantStatus(t, "password", resp, body, http.StatusOK)
	if pw := e.wantAudit(t, "Admin.User.SetPassword", actor, "user:"+bob.ID); pw.Before != nil || pw.After != nil {
		t.Fatalf("password entry carries documents: %s %s", pw.Before, pw.After)
	}
	resp, body = b.postPage(t, "/console/users/"+bob.ID+"/delete", csrf, url.Values{"confirm": {"yes"}})
	wantStatus(t, "delete user", resp, body, http.StatusOK)
	if del := e.wantAudit(t, "Admin.User.Delete", actor, "user:"+bob.ID); !strings.Contains(string(del.Before), `"username":"bob"`) {
		t.Fatalf("delete entry before %s", del.Before)
	}
	resp, body = b.postPage(t, "/console/apps/"+id+"/delete", csrf, url.Values{"confirm": {"Shop"}})
	wantStatus(t, "delete app", resp, body, http.StatusOK)
	e.wantAudit(t, "Admin.Application.Delete", actor, "application:"+id)
}

// TestConsoleKeepsManagementAccess: the console cannot take the
// Management API's permission away (its scope, the built-in roles'
// permissions) nor remove the last administrator through the roles page.
func TestConsoleKeepsManagementAccess(t *testing.T) {
	e, b, csrf := signedInConsole(t)
	ctx := context.Background()
	scopes, err := e.Store.ListResourceScopes(ctx, admin.APIResourceID)
	if err != nil || len(scopes) == 0 {
		t.Fatalf("management scopes %+v %v", scopes, err)
	}
	all := scopes[0]
	resp, body := b.postPage(t, "/console/resources/"+admin.APIResourceID+"/scopes/"+all.ID+"/delete", csrf, nil)
	wantStatus(t, "delete the all scope", resp, body, http.StatusBadRequest, "its permissions cannot be deleted")
	held, err := e.Store.ListRoleScopes(ctx, admin.AdminRoleID)
	if err != nil || len(held) == 0 {
		t.Fatalf("admin role scopes %+v %v", held, err)
	}
	resp, body = b.postPage(t, "/console/roles/"+admin.AdminRoleID+"/scopes/"+held[0].ID+"/delete", csrf, nil)
	wantStatus(t, "remove the admin role's permission", resp, body, http.StatusBadRequest, "its permissions cannot be removed")
	root, _ := e.Store.GetUserByLogin(ctx, "root")
	resp, body = b.postPage(t, "/console/roles/"+admin.AdminRoleID+"/users/"+root.ID+"/delete", csrf, nil)
	wantStatus(t, "remove the last administrator", resp, body, http.StatusBadRequest, "Refusing to disable the last enabled administrator")
	resp, body = b.getPage(t, e, "/console/")
	wantStatus(t, "still an administrator", resp, body, http.StatusOK, "Get started")
}
