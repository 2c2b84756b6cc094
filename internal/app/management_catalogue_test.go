package app_test

// The Management API's cases of the security catalogue (docs/security.md,
// MA-*) and the routes added with the users and sign-in experience
// settings.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/management"
	"github.com/sesameauth/sesame/internal/store"
)

// apiClient is m with its token, failing the test on an unexpected status.
type apiClient struct {
	*mgmt
	t   *testing.T
	tok string
}

func (m *mgmt) client(t *testing.T) *apiClient {
	return &apiClient{mgmt: m, t: t, tok: m.token(t, m.appID, m.secret, admin.APIIndicator(m.URL), admin.Scope)}
}

func (c *apiClient) must(want int, method, path string, body any) []byte {
	c.t.Helper()
	st, _, raw := c.call(c.t, c.tok, method, path, body)
	if st != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, st, want, raw)
	}
	return raw
}

func (c *apiClient) fails(status int, code, method, path string, body any) apiErr {
	c.t.Helper()
	st, _, raw := c.call(c.t, c.tok, method, path, body)
	e := decodeJSON[apiErr](c.t, raw)
	if st != status || (code != "" && e.Code != code) || e.Message == "" {
		c.t.Errorf("%s %s %v: %d %s, want %d %s", method, path, body, st, raw, status, code)
	}
	return e
}

// TestManagementBodyIDIgnored (MA-04): on every route that names an
// object in its path and takes a body, a body naming another object
// (id, applicationId, userId, …) is refused with 400 and changes nothing.
func TestManagementBodyIDIgnored(t *testing.T) {
	m := newMgmt(t)
	c := m.client(t)
	mk := func(path string, body any) string {
		return decodeJSON[map[string]any](t, c.must(c.status(path), "POST", path, body))["id"].(string)
	}
	ids := map[string][2]string{}
	ids["applications"] = [2]string{mk("/api/applications", map[string]any{"name": "A", "type": "MachineToMachine"}),
		mk("/api/applications", map[string]any{"name": "B", "type": "MachineToMachine"})}
	ids["users"] = [2]string{mk("/api/users", map[string]any{"username": "usera", "password": "correct horse battery"}),
		mk("/api/users", map[string]any{"username": "userb", "password": "correct horse battery"})}
	ids["resources"] = [2]string{mk("/api/resources", map[string]any{"name": "R1", "indicator": "https://r1.example"}),
		mk("/api/resources", map[string]any{"name": "R2", "indicator": "https://r2.example"})}
	ids["roles"] = [2]string{mk("/api/roles", map[string]any{"name": "ra"}), mk("/api/roles", map[string]any{"name": "rb"})}
	scope := mk("/api/resources/"+ids["resources"][0]+"/scopes", map[string]any{"name": "read"})
	c.must(201, "POST", "/api/applications/"+ids["applications"][0]+"/secrets", map[string]any{"name": "extra"})

	before := m.snapshot(c, ids)
	n := 0
	for _, rt := range documentedRoutes(t, m) {
		if (rt.Method != "POST" && rt.Method != "PATCH") || !strings.Contains(rt.Path, "{id}") || strings.HasPrefix(rt.Path, "/api/configs") {
			continue
		}
		kind := strings.Split(rt.Path, "/")[2]
		path := strings.NewReplacer("{id}", ids[kind][0], "{scopeId}", scope).Replace(rt.Path)
		for _, f := range []string{"id", "applicationId", "userId", "roleId", "resourceId", "tenantId"} {
			other := ids[kind][1]
			e := c.fails(400, "guard.invalid_input", rt.Method, path, map[string]any{f: other})
			if !strings.Contains(e.Message, f) {
				t.Errorf("%s %s with %s: message %q does not name the field", rt.Method, rt.Path, f, e.Message)
			}
			n++
		}
	}
	if n < 60 {
		t.Fatalf("only %d requests: routes missing from the document?", n)
	}
	diffJSON(t, "objects after the refused requests", before, m.snapshot(c, ids))
}

// status is the success status of creating at path.
func (c *apiClient) status(path string) int {
	if strings.HasPrefix(path, "/api/resources") {
		return 201
	}
	return 200
}

// snapshot reads every object of ids (with updatedAt left out).
func (m *mgmt) snapshot(c *apiClient, ids map[string][2]string) map[string]any {
	out := map[string]any{}
	for kind, pair := range ids {
		for _, id := range pair {
			v := decodeJSON[map[string]any](c.t, c.must(200, "GET", "/api/"+kind+"/"+id, nil))
			out[kind+"/"+id] = v
		}
	}
	return out
}

func diffJSON(t *testing.T, what string, want, got any) {
	t.Helper()
	w, g := mustJSON(t, want), mustJSON(t, got)
	if w != g {
		t.Errorf("%s changed:\n%s\n%s", what, w, g)
	}
}

func mustJSON(t *testing.T, v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestManagementPagingGuard (MA-08): bad page and page_size on every paged
// route are 400 guard.invalid_pagination, never a database error.
func TestManagementPagingGuard(t *testing.T) {
	m := newMgmt(t)
	c := m.client(t)
	role := decodeJSON[map[string]any](t, c.must(200, "POST", "/api/roles", map[string]any{"name": "r"}))["id"].(string)
	paged := []string{"/api/applications", "/api/users", "/api/resources", "/api/roles", "/api/roles/" + role + "/users",
		"/api/roles/" + role + "/applications", "/api/logs"}
	bad := []string{"page=0", "page=-1", "page=1000000000000", "page_size=0", "page_size=101", "page_size=1000000000",
		"page=abc", "page_size=1.5", "page=" + url.QueryEscape("' OR 1=1--"), "page_size=" + url.QueryEscape("1 OR 1=1"),
		"page=1&page=2", "page=%00", "page=" + strings.Repeat("9", 40)}
	for _, p := range paged {
		for _, q := range bad {
			c.fails(400, "guard.invalid_pagination", "GET", p+"?"+q, nil)
		}
		// A page past the end is an empty page, not an error.
		if raw := c.must(200, "GET", p+"?page=1000000&page_size=100", nil); strings.TrimSpace(string(raw)) != "[]" {
			t.Errorf("%s far page: %s", p, raw)
		}
	}
	c.fails(400, "guard.invalid_input", "GET", "/api/users?sort=password", nil)
}

// TestManagementProtectedObjects (MA-11): ids are assigned by the server,
// and the seeded console client, roles and resources cannot be deleted or
// renamed through the API.
func TestManagementProtectedObjects(t *testing.T) {
	m := newMgmt(t)
	c := m.client(t)
	c.fails(400, "guard.invalid_input", "POST", "/api/applications", map[string]any{"id": admin.ConsoleClientID, "name": "x", "type": "MachineToMachine"})
	c.fails(400, "guard.invalid_input", "POST", "/api/users", map[string]any{"id": m.appID, "username": "x", "password": "correct horse battery"})
	c.fails(400, "guard.invalid_input", "POST", "/api/roles", map[string]any{"id": "mine", "name": "mine"})
	app := decodeJSON[map[string]any](t, c.must(200, "POST", "/api/applications", map[string]any{"name": "x", "type": "MachineToMachine"}))
	if id := app["id"].(string); id == "" || id == admin.ConsoleClientID || id == m.appID {
		t.Errorf("app id %q", id)
	}
	for _, p := range []struct{ path, code string }{
		{"/api/applications/" + admin.ConsoleClientID, "app.protected"},
		{"/api/roles/" + admin.M2MRoleID, "role.protected"},
		{"/api/roles/" + admin.AdminRoleID, "role.protected"},
		{"/api/resources/" + admin.APIResourceID, "resource.protected"},
		{"/api/resources/" + admin.LogtoResourceID, "resource.protected"},
	} {
		before := string(c.must(200, "GET", p.path, nil))
		c.fails(400, p.code, "DELETE", p.path, nil)
		c.fails(400, p.code, "PATCH", p.path, map[string]any{"name": "renamed"})
		if after := string(c.must(200, "GET", p.path, nil)); after != before {
			t.Errorf("%s changed: %s → %s", p.path, before, after)
		}
	}
}

// TestManagementNoCORS (MA-12): neither a preflight nor a real request
// from another origin, or from the opaque origin null, gets
// Access-Control-Allow-Origin.
func TestManagementNoCORS(t *testing.T) {
	m := newMgmt(t)
	c := m.client(t)
	for _, origin := range []string{"https://evil.example", "null", m.URL} {
		for _, method := range []string{"OPTIONS", "GET"} {
			req, _ := http.NewRequest(method, m.URL+"/api/users", nil)
			req.Header.Set("Origin", origin)
			if method == "OPTIONS" {
				req.Header.Set("Access-Control-Request-Method", "GET")
				req.Header.Set("Access-Control-Request-Headers", "authorization")
			} else {
				req.Header.Set("Authorization", "Bearer "+c.tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if method == "GET" && resp.StatusCode != 200 {
				t.Errorf("GET with Origin %s: %d", origin, resp.StatusCode)
			}
			for k := range resp.Header {
				if strings.HasPrefix(strings.ToLower(k), "access-control-") {
					t.Errorf("%s with Origin %s: %s: %s", method, origin, k, resp.Header.Get(k))
				}
			}
		}
	}
}

// TestManagementAuditRefusals (MA-13): refused requests are recorded
// with the reason, address, User-Agent and request id; a change is
// recorded under its request id; the log cannot be changed through the
// API.
func TestManagementAuditRefusals(t *testing.T) {
	m := newMgmt(t, "read")
	c := m.client(t)
	send := func(tok, method, path string) string {
		req, _ := http.NewRequest(method, m.URL+path, nil)
		req.Header.Set("User-Agent", "refusal-test/1")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("X-Request-Id")
	}
	noToken := send("", "GET", "/api/users")
	badToken := send("not-a-token", "DELETE", "/api/users/x")
	// A valid token without "all": forbidden, with the app as actor.
	readOnly := m.readOnlyToken(t)
	forbidden := send(readOnly.tok, "GET", "/api/applications")
	if err := m.Server.Audit().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct{ id, reason, actor, target string }{
		{noToken, "unauthorized", "", "operation:ListUsers"},
		{badToken, "unauthorized", "", "operation:DeleteUser"},
		{forbidden, "forbidden", "app:" + readOnly.appID, "operation:ListApplications"},
	} {
		v := decodeJSON[logView](t, c.must(200, "GET", "/api/logs/"+w.id, nil))
		p := v.Payload
		if v.Key != management.KeyRefused || p.Result != "Error" || p.Error != w.reason || p.IP == "" || p.UserAgent != "refusal-test/1" ||
			p.Actor != w.actor || p.Target != w.target {
			t.Errorf("refusal %s: %+v", w.id, v)
		}
	}
	list := decodeJSON[[]logView](t, c.must(200, "GET", "/api/logs?logKey="+management.KeyRefused, nil))
	if len(list) != 3 {
		t.Errorf("%d refusals listed, want 3", len(list))
	}

	// A change is recorded before the answer, under the request's id.
	st, h, raw := m.call(t, c.tok, "POST", "/api/users", map[string]any{"username": "audited", "password": "correct horse battery"})
	if st != 200 {
		t.Fatalf("create user: %d %s", st, raw)
	}
	v := decodeJSON[logView](t, c.must(200, "GET", "/api/logs/"+h.Get("X-Request-Id"), nil))
	if v.Key != "Admin.User.Create" || v.Payload.Actor != "app:"+m.appID || v.Payload.IP == "" {
		t.Errorf("change entry %+v", v)
	}
	c.fails(404, "entity.not_exists_with_id", "GET", "/api/logs/no-such-entry", nil)

	// No route edits or deletes the log.
	for _, method := range []string{"DELETE", "PATCH", "PUT", "POST"} {
		for _, p := range []string{"/api/logs/" + v.ID, "/api/logs"} {
			if st, _, raw := m.call(t, c.tok, method, p, "{}"); st != 404 && st != 405 {
				t.Errorf("%s %s: %d %s", method, p, st, raw)
			}
		}
	}
	if again := decodeJSON[logView](t, c.must(200, "GET", "/api/logs/"+v.ID, nil)); again.Key != v.Key {
		t.Errorf("entry changed: %+v", again)
	}
}

type logView struct {
	ID      string `json:"id"`
	Key     string `json:"key"`
	Payload struct {
		Result, Error, IP, UserAgent, Actor, Target string
		Before, After                               map[string]any
	} `json:"payload"`
}

type tokenHolder struct{ appID, tok string }

// readOnlyToken is a valid Management API token without "all" (the
// server must have the API scope "read": newMgmt(t, "read")).
func (m *mgmt) readOnlyToken(t *testing.T) tokenHolder {
	api := admin.APIIndicator(m.URL)
	id, secret := m.app(t, store.AppM2M, nil, nil)
	m.permit(t, id, map[string][]string{api: {"read"}})
	return tokenHolder{id, m.token(t, id, secret, api, "read")}
}

// TestManagementUserFields: PATCH /api/users/{id} sets every field of the
// domain's patch, null clears, bad input names its field and changes
// nothing; custom data is read and merged; the list is newest first.
func TestManagementUserFields(t *testing.T) {
	m := newMgmt(t)
	c := m.client(t)
	first := decodeJSON[map[string]any](t, c.must(200, "POST", "/api/users", map[string]any{"username": "first", "password": "correct horse battery"}))
	m.clock.Advance(time.Second)
	u := decodeJSON[map[string]any](t, c.must(200, "POST", "/api/users", map[string]any{"username": "alice", "password": "correct horse battery"}))
	id := u["id"].(string)
	got := decodeJSON[map[string]any](t, c.must(200, "PATCH", "/api/users/"+id, map[string]any{
		"username": "Alice2", "primaryEmail": "Alice@Example.com", "primaryPhone": "+15551234567", "name": " Alice ",
		"avatar": "https://img.example/a.png", "profile": map[string]any{"givenName": "Alice", "address": map[string]any{"country": "FR"}},
		"customData": map[string]any{"plan": "pro", "seats": 3}}))
	want := map[string]any{"username": "alice2", "primaryEmail": "alice@example.com", "primaryPhone": "+15551234567", "name": "Alice",
		"avatar": "https://img.example/a.png"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	diffJSON(t, "profile", map[string]any{"givenName": "Alice", "address": map[string]any{"country": "FR"}}, got["profile"])
	diffJSON(t, "customData", map[string]any{"plan": "pro", "seats": 3}, got["customData"])
	full := decodeJSON[map[string]any](t, c.must(200, "GET", "/api/users/"+id, nil))
	if full["hasPassword"] != true || full["profile"] == nil || full["customData"] == nil || full["passwordHash"] != nil {
		t.Errorf("GET user %v", full)
	}
	// null clears; an absent field stays.
	got = decodeJSON[map[string]any](t, c.must(200, "PATCH", "/api/users/"+id, `{"primaryPhone": null, "avatar": "", "profile": {"givenName": null}}`))
	if got["primaryPhone"] != nil || got["avatar"] != nil || got["username"] != "alice2" || mustJSON(t, got["profile"]) != `{"address":{"country":"FR"}}` {
		t.Errorf("after clearing: %v", got)
	}
	before := string(c.must(200, "GET", "/api/users/"+id, nil))
	for _, b := range []struct{ body, field string }{
		{`{"avatar": "javascript:alert(1)"}`, "avatar"},
		{`{"primaryPhone": "call me"}`, "primaryPhone"},
		{`{"primaryEmail": "nope"}`, "primaryEmail"},
		{`{"profile": {"shoeSize": "42"}}`, "profile.shoeSize"},
		{`{"customData": [1]}`, "customData"},
		{`{"username": "", "primaryEmail": ""}`, "username"},
	} {
		if e := c.fails(400, "", "PATCH", "/api/users/"+id, b.body); e.Data["field"] != b.field {
			t.Errorf("%s: field %v, want %s", b.body, e.Data["field"], b.field)
		}
	}
	c.fails(422, "user.username_or_email_already_in_use", "PATCH", "/api/users/"+id, map[string]any{"username": "first"})
	if after := string(c.must(200, "GET", "/api/users/"+id, nil)); after != before {
		t.Errorf("refused patches changed the user:\n%s\n%s", before, after)
	}

	// Custom data: read, merged by key.
	diffJSON(t, "custom data", map[string]any{"plan": "pro", "seats": 3}, decodeJSON[map[string]any](t, c.must(200, "GET", "/api/users/"+id+"/custom-data", nil)))
	merged := decodeJSON[map[string]any](t, c.must(200, "PATCH", "/api/users/"+id+"/custom-data", map[string]any{"customData": map[string]any{"seats": 5, "beta": true}}))
	diffJSON(t, "merged custom data", map[string]any{"beta": true, "plan": "pro", "seats": 5}, merged)
	c.fails(400, "", "PATCH", "/api/users/"+id+"/custom-data", map[string]any{})
	c.fails(400, "guard.invalid_input", "PATCH", "/api/users/"+id+"/custom-data", map[string]any{"customData": map[string]any{}, "userId": first["id"]})
	if e := c.fails(400, "", "PATCH", "/api/users/"+id+"/custom-data", map[string]any{"customData": map[string]any{"big": strings.Repeat("x", 9<<10)}}); e.Data["field"] != "customData" {
		t.Errorf("oversized custom data: %+v", e)
	}
	diffJSON(t, "first user's custom data", map[string]any{}, decodeJSON[map[string]any](t, c.must(200, "GET", "/api/users/"+first["id"].(string)+"/custom-data", nil)))

	// Newest first, as Logto lists users.
	list := decodeJSON[[]map[string]any](t, c.must(200, "GET", "/api/users", nil))
	if len(list) < 2 || list[0]["id"] != id || list[1]["id"] != first["id"] {
		t.Errorf("users not newest first: %v", list)
	}
	// The change is in the log with the user's views before and after.
	if err := m.Server.Audit().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	logs := decodeJSON[[]logView](t, c.must(200, "GET", "/api/logs?logKey=Admin.User.UpdateCustomData&userId="+id, nil))
	if len(logs) != 1 || logs[0].Payload.Before["plan"] != "pro" || logs[0].Payload.After["beta"] != true {
		t.Errorf("custom data entry %+v", logs)
	}
}

// TestManagementSignInExp: GET and PATCH /api/sign-in-exp through
// signinexp, the change applied to the hosted pages at once and audited
// with the document before and after.
func TestManagementSignInExp(t *testing.T) {
	m := newMgmt(t)
	c := m.client(t)
	got := decodeJSON[map[string]any](t, c.must(200, "GET", "/api/sign-in-exp", nil))
	if got["signInMode"] == nil || got["passwordPolicy"] == nil || got["color"] == nil {
		t.Fatalf("sign-in-exp %v", got)
	}
	after := decodeJSON[map[string]any](t, c.must(200, "PATCH", "/api/sign-in-exp", map[string]any{
		"displayName": "Acme ID", "color": map[string]any{"primaryColor": "#AA0000"}}))
	if after["displayName"] != "Acme ID" || after["color"].(map[string]any)["primaryColor"] != "#aa0000" ||
		after["color"].(map[string]any)["darkPrimaryColor"] == nil {
		t.Errorf("after PATCH %v", after)
	}
	if e := c.fails(400, "sign_in_exp.color.primaryColor", "PATCH", "/api/sign-in-exp", map[string]any{"color": map[string]any{"primaryColor": "red;}"}}); e.Data["field"] != "color.primaryColor" {
		t.Errorf("field %v", e.Data)
	}
	c.fails(400, "guard.invalid_input", "PATCH", "/api/sign-in-exp", map[string]any{"id": "x"})
	c.fails(400, "guard.invalid_input", "PATCH", "/api/sign-in-exp", "not json")
	if now := decodeJSON[map[string]any](t, c.must(200, "GET", "/api/sign-in-exp", nil)); now["displayName"] != "Acme ID" {
		t.Errorf("GET after refused patches %v", now)
	}
	// The hosted sign-in page shows the new name at once.
	redirect := "http://localhost:3000/callback"
	appID, _ := m.app(t, store.AppTraditional, []string{redirect}, nil)
	body, _, _ := page(t, m.browser(t).get(t, m.authURL(appID, redirect, url.Values{"code_challenge": {"x" + strings.Repeat("a", 43)}, "code_challenge_method": {"S256"}})))
	if !strings.Contains(body, "Acme ID") {
		t.Errorf("sign-in page does not show the new display name")
	}
	logs := decodeJSON[[]logView](t, c.must(200, "GET", "/api/logs?logKey=Admin.SignInExperience.Update", nil))
	if len(logs) != 1 || logs[0].Payload.Before["displayName"] != "" || logs[0].Payload.After["displayName"] != "Acme ID" ||
		logs[0].Payload.Target != "signInExperience" {
		t.Errorf("sign-in-exp entries %+v", logs)
	}
}

// TestManagementCreateRoleWithScopes: POST /api/roles with scopeIds gives
// the role those scopes; a bad scope id leaves no role behind.
func TestManagementCreateRoleWithScopes(t *testing.T) {
	m := newMgmt(t)
	c := m.client(t)
	res := decodeJSON[map[string]any](t, c.must(201, "POST", "/api/resources", map[string]any{"name": "Billing", "indicator": "https://billing.example"}))
	sc := decodeJSON[map[string]any](t, c.must(201, "POST", "/api/resources/"+res["id"].(string)+"/scopes", map[string]any{"name": "read"}))
	e := c.fails(404, "entity.not_exists_with_id", "POST", "/api/roles", map[string]any{"name": "half", "type": "MachineToMachine", "scopeIds": []string{sc["id"].(string), "no-such-scope"}})
	if !strings.Contains(e.Message, "no-such-scope") {
		t.Errorf("message %q", e.Message)
	}
	for _, r := range decodeJSON[[]map[string]any](t, c.must(200, "GET", "/api/roles", nil)) {
		if r["name"] == "half" {
			t.Errorf("a role with a bad scope id was left behind: %v", r)
		}
	}
	ro := decodeJSON[map[string]any](t, c.must(200, "POST", "/api/roles", map[string]any{"name": "half", "type": "MachineToMachine", "scopeIds": []string{sc["id"].(string)}}))
	scopes := decodeJSON[[]map[string]any](t, c.must(200, "GET", "/api/roles/"+ro["id"].(string)+"/scopes", nil))
	if len(scopes) != 1 || scopes[0]["id"] != sc["id"] {
		t.Errorf("role scopes %v", scopes)
	}
}
