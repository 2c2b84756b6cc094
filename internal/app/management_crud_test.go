package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/store"
)

// TestManagementCRUD drives each resource through the API and scans every
// response for the stored password hash and the app secrets.
func TestManagementCRUD(t *testing.T) {
	m := newMgmt(t)
	tok := m.token(t, m.appID, m.secret, admin.APIIndicator(m.URL), admin.Scope)
	ctx := context.Background()
	must := func(want int, method, path string, body any) []byte {
		t.Helper()
		st, _, raw := m.call(t, tok, method, path, body)
		if st != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, st, want, raw)
		}
		return raw
	}
	wantErr := func(status int, code, field, method, path string, body any) {
		t.Helper()
		st, _, raw := m.call(t, tok, method, path, body)
		e := decodeJSON[apiErr](t, raw)
		if st != status || (code != "" && e.Code != code) || e.Message == "" || (field != "" && e.Data["field"] != field) {
			t.Errorf("%s %s %v: %d %s, want %d %s field %q", method, path, body, st, raw, status, code, field)
		}
	}

	// Applications.
	created := decodeJSON[map[string]any](t, must(200, "POST", "/api/applications", map[string]any{"name": "Billing", "type": "MachineToMachine"}))
	appID, appSecret := created["id"].(string), created["secret"].(string)
	if created["type"] != "MachineToMachine" || len(appSecret) < 32 || created["createdAt"] == nil {
		t.Errorf("created app %v", created)
	}
	web := decodeJSON[map[string]any](t, must(200, "POST", "/api/applications", map[string]any{"name": "Web", "type": "Traditional",
		"oidcClientMetadata": map[string]any{"redirectUris": []string{"https://web.example/cb"}, "postLogoutRedirectUris": []string{}}}))
	webSecret := web["secret"].(string)
	got := decodeJSON[map[string]any](t, must(200, "GET", "/api/applications/"+appID, nil))
	if got["name"] != "Billing" || got["secret"] != nil {
		t.Errorf("get app %v", got)
	}
	// The two apps, the test's M2M app and the console's and the account
	// pages' own clients (seeded by admin.Ensure, protected, listed like
	// any app).
	if list := decodeJSON[[]map[string]any](t, must(200, "GET", "/api/applications", nil)); len(list) != 5 {
		t.Errorf("apps %d", len(list))
	}
	wantErr(400, "app.type", "", "POST", "/api/applications", map[string]any{"name": "x", "type": "Robot"})
	wantErr(400, "app.redirect_uri", "oidcClientMetadata.redirectUris", "POST", "/api/applications", map[string]any{"name": "x", "type": "SPA",
		"oidcClientMetadata": map[string]any{"redirectUris": []string{"not a uri"}}})
	wantErr(400, "guard.invalid_input", "", "POST", "/api/applications", `{"name": 3}`)
	wantErr(400, "guard.invalid_input", "", "POST", "/api/applications", `{"name": "x", "colour": "red"}`)
	wantErr(400, "guard.invalid_input", "", "POST", "/api/applications", `not json`)
	wantErr(413, "guard.request_too_large", "", "POST", "/api/applications", `{"name": "`+strings.Repeat("a", 70<<10)+`"}`)
	wantErr(404, "entity.not_exists_with_id", "", "GET", "/api/applications/nope", nil)
	webID := web["id"].(string)
	patched := decodeJSON[map[string]any](t, must(200, "PATCH", "/api/applications/"+webID, map[string]any{"name": "Web 2", "description": "the site",
		"customClientMetadata": map[string]any{"idTokenTtl": 600, "corsAllowedOrigins": []string{"https://web.example"}, "refreshTokenReuseInterval": 15},
		"customData":           map[string]any{"team": "a"}}))
	if patched["name"] != "Web 2" || patched["description"] != "the site" || patched["customData"].(map[string]any)["team"] != "a" ||
		patched["customClientMetadata"].(map[string]any)["idTokenTtl"] != float64(600) ||
		patched["customClientMetadata"].(map[string]any)["refreshTokenReuseInterval"] != float64(15) {
		t.Errorf("patched app %v", patched)
	}
	wantErr(400, "app.invalid", "customClientMetadata.idTokenTtl", "PATCH", "/api/applications/"+webID, map[string]any{"customClientMetadata": map[string]any{"idTokenTtl": 5}})
	wantErr(400, "app.invalid", "oidcClientMetadata.idTokenSignedResponseAlg", "PATCH", "/api/applications/"+webID,
		map[string]any{"oidcClientMetadata": map[string]any{"idTokenSignedResponseAlg": "none"}})
	if v := decodeJSON[map[string]any](t, must(200, "PATCH", "/api/applications/"+webID,
		map[string]any{"oidcClientMetadata": map[string]any{"idTokenSignedResponseAlg": "RS256"}})); v["oidcClientMetadata"].(map[string]any)["idTokenSignedResponseAlg"] != "RS256" {
		t.Errorf("idTokenSignedResponseAlg not set: %v", v["oidcClientMetadata"])
	}
	wantErr(400, "app.invalid", "customClientMetadata.refreshTokenReuseInterval", "PATCH", "/api/applications/"+webID,
		map[string]any{"customClientMetadata": map[string]any{"refreshTokenReuseInterval": 3601}})
	// Back-channel logout: set on creation, read back, changed field by
	// field (an absent field is left alone), refused with the field named.
	bcm := func(v map[string]any) map[string]any { return v["oidcClientMetadata"].(map[string]any) }
	bc := decodeJSON[map[string]any](t, must(200, "POST", "/api/applications", map[string]any{"name": "BC", "type": "SPA",
		"oidcClientMetadata": map[string]any{"redirectUris": []string{"https://bc.example/cb"}, "backchannelLogoutUri": "https://bc.example/logout",
			"backchannelLogoutSessionRequired": true}}))
	bcID := bc["id"].(string)
	if m := bcm(decodeJSON[map[string]any](t, must(200, "GET", "/api/applications/"+bcID, nil))); m["backchannelLogoutUri"] != "https://bc.example/logout" ||
		m["backchannelLogoutSessionRequired"] != true {
		t.Errorf("created back-channel logout settings: %v", m)
	}
	if m := bcm(decodeJSON[map[string]any](t, must(200, "PATCH", "/api/applications/"+bcID,
		map[string]any{"oidcClientMetadata": map[string]any{"backchannelLogoutUri": "http://localhost:4000/bc"}}))); m["backchannelLogoutUri"] != "http://localhost:4000/bc" ||
		m["backchannelLogoutSessionRequired"] != true || m["redirectUris"].([]any)[0] != "https://bc.example/cb" {
		t.Errorf("PATCH backchannelLogoutUri alone: %v", m)
	}
	if m := bcm(decodeJSON[map[string]any](t, must(200, "PATCH", "/api/applications/"+bcID,
		map[string]any{"oidcClientMetadata": map[string]any{"backchannelLogoutSessionRequired": false}}))); m["backchannelLogoutUri"] != "http://localhost:4000/bc" ||
		m["backchannelLogoutSessionRequired"] != false {
		t.Errorf("PATCH backchannelLogoutSessionRequired alone: %v", m)
	}
	for _, bad := range []string{"http://bc.example/logout", "https://bc.example/logout#x", "https://u:p@bc.example/logout", "/logout",
		"https://bc.example/" + strings.Repeat("a", 2048)} {
		wantErr(400, "app.invalid", "oidcClientMetadata.backchannelLogoutUri", "PATCH", "/api/applications/"+bcID,
			map[string]any{"oidcClientMetadata": map[string]any{"backchannelLogoutUri": bad, "backchannelLogoutSessionRequired": true}})
	}
	wantErr(400, "app.invalid", "oidcClientMetadata.backchannelLogoutUri", "POST", "/api/applications", map[string]any{"name": "x", "type": "Traditional",
		"oidcClientMetadata": map[string]any{"backchannelLogoutUri": "ftp://bc.example/logout"}})
	wantErr(400, "app.type", "oidcClientMetadata.backchannelLogoutUri", "PATCH", "/api/applications/"+appID,
		map[string]any{"oidcClientMetadata": map[string]any{"backchannelLogoutUri": "https://bc.example/logout"}})
	wantErr(400, "guard.invalid_input", "", "PATCH", "/api/applications/"+bcID,
		map[string]any{"oidcClientMetadata": map[string]any{"backchannelLogoutSessionRequired": "yes"}})
	if c, err := m.Store.GetClient(ctx, bcID); err != nil || c.BackChannelLogoutURI != "http://localhost:4000/bc" || c.BackChannelLogoutSessionRequired {
		t.Errorf("after refused PATCHes the app has %q %v (%v)", c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired, err)
	}
	if m := bcm(decodeJSON[map[string]any](t, must(200, "PATCH", "/api/applications/"+bcID,
		map[string]any{"oidcClientMetadata": map[string]any{"backchannelLogoutUri": ""}}))); m["backchannelLogoutUri"] != nil {
		t.Errorf("an empty backchannelLogoutUri does not remove it: %v", m)
	}
	must(204, "DELETE", "/api/applications/"+bcID, nil)
	wantErr(400, "guard.invalid_input", "isThirdParty", "PATCH", "/api/applications/"+webID, map[string]any{"isThirdParty": true})
	wantErr(404, "entity.not_exists_with_id", "", "PATCH", "/api/applications/nope", map[string]any{"name": "x"})
	added := decodeJSON[map[string]any](t, must(201, "POST", "/api/applications/"+webID+"/secrets", map[string]any{"name": "ci"}))
	ciSecret, _ := added["value"].(string)
	if len(ciSecret) < 32 || added["name"] != "ci" || added["applicationId"] != webID {
		t.Errorf("added secret %v", added)
	}
	wantErr(422, "application.secret_name_already_in_use", "", "POST", "/api/applications/"+webID+"/secrets", map[string]any{"name": "ci"})
	wantErr(400, "app.secret_invalid", "expiresAt", "POST", "/api/applications/"+webID+"/secrets", map[string]any{"name": "old", "expiresAt": 1000})
	if ss := decodeJSON[[]map[string]any](t, must(200, "GET", "/api/applications/"+webID+"/secrets", nil)); len(ss) != 2 || ss[0]["value"] != nil || ss[1]["value"] != nil {
		t.Errorf("secrets %v", ss)
	}
	must(204, "DELETE", "/api/applications/"+webID+"/secrets/ci", nil)
	wantErr(404, "entity.not_exists", "", "DELETE", "/api/applications/"+webID+"/secrets/ci", nil)

	// Roles and assignments.
	role := decodeJSON[map[string]any](t, must(200, "POST", "/api/roles", map[string]any{"name": "billing-bots", "type": "MachineToMachine"}))
	roleID := role["id"].(string)
	wantErr(422, "role.name_already_in_use", "", "POST", "/api/roles", map[string]any{"name": "billing-bots", "type": "MachineToMachine"})
	must(201, "POST", "/api/applications/"+appID+"/roles", map[string]any{"roleIds": []string{roleID}})
	if rs := decodeJSON[[]map[string]any](t, must(200, "GET", "/api/applications/"+appID+"/roles", nil)); len(rs) != 1 || rs[0]["id"] != roleID {
		t.Errorf("app roles %v", rs)
	}
	wantErr(400, "role.type_mismatch", "", "POST", "/api/applications/"+web["id"].(string)+"/roles", map[string]any{"roleIds": []string{roleID}})
	must(204, "DELETE", "/api/applications/"+appID+"/roles/"+roleID, nil)
	must(201, "POST", "/api/roles/"+roleID+"/applications", map[string]any{"applicationIds": []string{appID}})
	must(204, "DELETE", "/api/roles/"+roleID+"/applications/"+appID, nil)
	wantErr(404, "entity.not_found", "", "DELETE", "/api/roles/"+roleID+"/applications/"+appID, nil)

	// Users.
	u := decodeJSON[map[string]any](t, must(200, "POST", "/api/users", map[string]any{"username": "ada", "primaryEmail": "Ada@Example.com",
		"password": "correct horse battery", "name": "Ada"}))
	userID := u["id"].(string)
	if u["primaryEmail"] != "ada@example.com" || u["isSuspended"] != false || u["primaryPhone"] != nil {
		t.Errorf("created user %v", u)
	}
	wantErr(422, "user.username_or_email_already_in_use", "", "POST", "/api/users", map[string]any{"username": "ada", "password": "correct horse battery"})
	wantErr(400, "", "primaryEmail", "POST", "/api/users", map[string]any{"username": "bob", "primaryEmail": "not-an-email", "password": "correct horse battery"})
	must(204, "POST", "/api/users/"+userID+"/password/verify", map[string]any{"password": "correct horse battery"})
	wantErr(422, "session.invalid_credentials", "", "POST", "/api/users/"+userID+"/password/verify", map[string]any{"password": "wrong"})
	must(200, "PATCH", "/api/users/"+userID+"/password", map[string]any{"password": "another good passphrase"})
	must(204, "POST", "/api/users/"+userID+"/password/verify", map[string]any{"password": "another good passphrase"})
	if v := decodeJSON[map[string]any](t, must(200, "PATCH", "/api/users/"+userID, map[string]any{"name": "Ada L."})); v["name"] != "Ada L." {
		t.Errorf("patched user %v", v)
	}
	if v := decodeJSON[map[string]any](t, must(200, "PATCH", "/api/users/"+userID+"/is-suspended", map[string]any{"isSuspended": true})); v["isSuspended"] != true {
		t.Errorf("suspended user %v", v)
	}
	wantErr(400, "guard.invalid_input", "isSuspended", "PATCH", "/api/users/"+userID+"/is-suspended", map[string]any{})
	if v := decodeJSON[map[string]any](t, must(200, "GET", "/api/users/"+userID, nil)); v["hasPassword"] != true || v["isSuspended"] != true {
		t.Errorf("get user %v", v)
	}
	ur := decodeJSON[map[string]any](t, must(200, "POST", "/api/roles", map[string]any{"name": "editors"}))
	wantErr(404, "entity.not_exists_with_id", "", "POST", "/api/users/"+userID+"/roles", map[string]any{"roleIds": []string{ur["id"].(string), "nope"}})
	if rs := decodeJSON[[]map[string]any](t, must(200, "GET", "/api/users/"+userID+"/roles", nil)); len(rs) != 0 {
		t.Errorf("an assignment naming an unknown role assigned %v", rs)
	}
	must(201, "POST", "/api/users/"+userID+"/roles", map[string]any{"roleIds": []string{ur["id"].(string)}})
	if rs := decodeJSON[[]map[string]any](t, must(200, "GET", "/api/users/"+userID+"/roles", nil)); len(rs) != 1 || rs[0]["type"] != "User" {
		t.Errorf("user roles %v", rs)
	}
	must(204, "DELETE", "/api/users/"+userID+"/roles/"+ur["id"].(string), nil)
	must(201, "POST", "/api/roles/"+ur["id"].(string)+"/users", map[string]any{"userIds": []string{userID}})
	if l := decodeJSON[[]map[string]any](t, must(200, "GET", "/api/roles/"+ur["id"].(string)+"/users?search.username=ad%25", nil)); len(l) != 1 || l[0]["id"] != userID {
		t.Errorf("role users %v", l)
	}
	must(204, "DELETE", "/api/roles/"+ur["id"].(string)+"/users/"+userID, nil)
	must(204, "DELETE", "/api/roles/"+ur["id"].(string), nil)
	wantErr(404, "entity.not_exists_with_id", "", "GET", "/api/roles/"+ur["id"].(string), nil)

	// Resources.
	res := decodeJSON[map[string]any](t, must(201, "POST", "/api/resources", map[string]any{"name": "Billing API", "indicator": "https://billing.example"}))
	if res["accessTokenTtl"] != float64(3600) {
		t.Errorf("resource %v", res)
	}
	wantErr(422, "resource.indicator_already_in_use", "", "POST", "/api/resources", map[string]any{"name": "again", "indicator": "https://billing.example"})
	wantErr(400, "resource.invalid", "accessTokenTtl", "POST", "/api/resources", map[string]any{"name": "x", "indicator": "https://x.example", "accessTokenTtl": 90000})

	resID := res["id"].(string)
	if v := decodeJSON[map[string]any](t, must(200, "PATCH", "/api/resources/"+resID, map[string]any{"name": "Billing", "accessTokenTtl": 600})); v["accessTokenTtl"] != float64(600) || v["name"] != "Billing" {
		t.Errorf("patched resource %v", v)
	}
	sc := decodeJSON[map[string]any](t, must(201, "POST", "/api/resources/"+resID+"/scopes", map[string]any{"name": "charge", "description": "take money"}))
	scID := sc["id"].(string)
	if sc["resourceId"] != resID || sc["name"] != "charge" {
		t.Errorf("scope %v", sc)
	}
	wantErr(422, "scope.name_exists", "", "POST", "/api/resources/"+resID+"/scopes", map[string]any{"name": "charge"})
	if v := decodeJSON[map[string]any](t, must(200, "PATCH", "/api/resources/"+resID+"/scopes/"+scID, map[string]any{"description": "bill"})); v["description"] != "bill" {
		t.Errorf("patched scope %v", v)
	}
	if l := decodeJSON[[]map[string]any](t, must(200, "GET", "/api/resources/"+resID+"/scopes", nil)); len(l) != 1 {
		t.Errorf("scopes %v", l)
	}
	if l := decodeJSON[[]map[string]any](t, must(201, "POST", "/api/roles/"+roleID+"/scopes", map[string]any{"scopeIds": []string{scID}})); len(l) != 1 || l[0]["id"] != scID {
		t.Errorf("role scopes %v", l)
	}
	wantErr(404, "entity.not_exists_with_id", "", "POST", "/api/roles/"+roleID+"/scopes", map[string]any{"scopeIds": []string{"nope"}})
	must(201, "POST", "/api/roles/"+roleID+"/applications", map[string]any{"applicationIds": []string{appID}})
	if l := decodeJSON[[]map[string]any](t, must(200, "GET", "/api/roles/"+roleID+"/applications", nil)); len(l) != 1 || l[0]["id"] != appID {
		t.Errorf("role apps %v", l)
	}
	if l := decodeJSON[[]map[string]any](t, must(200, "GET", "/api/roles", nil)); len(l) < 2 {
		t.Errorf("roles %v", l)
	} else {
		for _, r := range l {
			if r["id"] == roleID && r["applicationsCount"] != float64(1) {
				t.Errorf("role counts %v", r)
			}
		}
	}
	if v := decodeJSON[map[string]any](t, must(200, "PATCH", "/api/roles/"+roleID, map[string]any{"description": "bots that bill"})); v["description"] != "bots that bill" {
		t.Errorf("patched role %v", v)
	}
	must(204, "DELETE", "/api/roles/"+roleID+"/scopes/"+scID, nil)
	must(204, "DELETE", "/api/resources/"+resID+"/scopes/"+scID, nil)
	wantErr(404, "entity.not_exists_with_id", "", "DELETE", "/api/resources/"+resID+"/scopes/"+scID, nil)
	must(204, "DELETE", "/api/resources/"+resID, nil)
	wantErr(404, "entity.not_exists_with_id", "", "GET", "/api/resources/"+resID, nil)

	// Signing keys: public metadata only.
	keys := decodeJSON[[]map[string]any](t, must(200, "POST", "/api/configs/oidc/private-keys/rotate", nil))
	// The new and the old default key, then the new and the old RS256 key
	// kept for apps registered with it.
	if len(keys) != 4 || keys[0]["signingKeyAlgorithm"] != "ES384" || keys[2]["signingKeyAlgorithm"] != "RS256" || len(keys[0]) != 3 {
		t.Errorf("keys %v", keys)
	}
	wantErr(400, "guard.invalid_input", "", "GET", "/api/configs/oidc/cookie-keys", nil)

	// Deletes.
	must(204, "DELETE", "/api/users/"+userID, nil)
	wantErr(404, "entity.not_exists_with_id", "", "GET", "/api/users/"+userID, nil)
	must(204, "DELETE", "/api/applications/"+appID, nil)
	wantErr(404, "entity.not_exists_with_id", "", "DELETE", "/api/applications/"+appID, nil)

	// Every change is in the audit log, by the M2M app that made it.
	st, h, raw := m.call(t, tok, "GET", "/api/logs?applicationId="+appID+"&page_size=100", nil)
	logs := decodeJSON[[]map[string]any](t, raw)
	logKeys := map[string]bool{}
	for _, l := range logs {
		logKeys[l["key"].(string)] = true
		if p := l["payload"].(map[string]any); p["actor"] != "app:"+m.appID {
			t.Errorf("log actor %v", p)
		}
	}
	if st != 200 || h.Get("Total-Number") == "" || !logKeys["Admin.Application.Create"] || !logKeys["Admin.Application.Delete"] || !logKeys["Admin.Application.AssignRoles"] {
		t.Errorf("logs for the app: %d %v %s", st, logKeys, raw)
	}
	if _, _, raw := m.call(t, tok, "GET", "/api/logs?logKey=Admin.User.SetPassword", nil); len(decodeJSON[[]map[string]any](t, raw)) != 1 {
		t.Errorf("password change log: %s", raw)
	}
	wantErr(400, "guard.invalid_input", "", "GET", "/api/logs?start_time=yesterday", nil)

	// No response after its creation carries a secret or a hash.
	stored, _ := m.Store.GetUserByLogin(ctx, "ada")
	_ = stored
	for i, body := range m.seen {
		for name, s := range map[string]string{"app secret": appSecret, "web secret": webSecret, "admin secret": m.secret, "ci secret": ciSecret} {
			creation := strings.HasPrefix(body, `{"tenantId"`) && (strings.Contains(body, `"secret":"`+s+`"`) || strings.Contains(body, `"value":"`+s+`"`))
			if strings.Contains(body, s) && !creation {
				t.Errorf("response %d carries the %s: %s", i, name, body)
			}
		}
		if strings.Contains(body, "$argon2id$") || strings.Contains(strings.ToLower(body), "passwordhash") || strings.Contains(body, "PrivateKey") {
			t.Errorf("response %d carries a hash or key: %s", i, body)
		}
	}
}

// TestManagementPagingAndSearch: Total-Number and Link from the configured
// endpoint whatever the Host header, and Logto's search grammar.
func TestManagementPagingAndSearch(t *testing.T) {
	m := newMgmt(t)
	tok := m.token(t, m.appID, m.secret, admin.APIIndicator(m.URL), admin.Scope)
	for i := range 5 {
		m.user(t, fmt.Sprintf("user%d", i), "password-long-enough")
	}
	m.user(t, "other", "password-long-enough")
	req, _ := http.NewRequest("GET", m.URL+"/api/users?page=2&page_size=2&search.username=user%25", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Host = "evil.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Total-Number") != "5" {
		t.Fatalf("%d total %q", resp.StatusCode, resp.Header.Get("Total-Number"))
	}
	link := resp.Header.Get("Link")
	for _, rel := range []string{"first", "prev", "next", "last"} {
		if !strings.Contains(link, `rel="`+rel+`"`) {
			t.Errorf("Link lacks %s: %s", rel, link)
		}
	}
	if !strings.Contains(link, "<"+m.URL+"/api/users?page=3&page_size=2&search.username=user%25>; rel=\"last\"") || strings.Contains(link, "evil") {
		t.Errorf("Link %s", link)
	}
	for q, want := range map[string]int{"search.username=user%25": 5, "search.username=%25ser%25": 5, "search=%25ser%25": 6, "search=user1": 1, "search=user": 0,
		"search.primaryEmail=other%40example.com&mode.primaryEmail=exact": 1, "search=USER1&isCaseSensitive=true": 0} {
		st, h, raw := m.call(t, tok, "GET", "/api/users?"+q, nil)
		if st != 200 || h.Get("Total-Number") != fmt.Sprint(want) || len(decodeJSON[[]map[string]any](t, raw)) != want {
			t.Errorf("%s: %d %s %s", q, st, h.Get("Total-Number"), raw)
		}
	}
	for _, q := range []string{"page=0", "page_size=101", "page_size=x"} {
		st, _, raw := m.call(t, tok, "GET", "/api/users?"+q, nil)
		if st != 400 || decodeJSON[apiErr](t, raw).Code != "guard.invalid_pagination" {
			t.Errorf("%s: %d %s", q, st, raw)
		}
	}
	if st, _, raw := m.call(t, tok, "GET", "/api/users?search=a&mode=posix", nil); st != 400 || decodeJSON[apiErr](t, raw).Code != "guard.invalid_input" {
		t.Errorf("posix: %d %s", st, raw)
	}
	// Applications: no paging parameters, the whole list; with them, a page.
	for range 3 {
		m.app(t, "spa", []string{"https://spa.example/cb"}, nil)
	}
	st, h, raw := m.call(t, tok, "GET", "/api/applications", nil)
	if st != 200 || len(decodeJSON[[]map[string]any](t, raw)) != 6 || h.Get("Total-Number") != "" { // with the console's and account's clients
		t.Errorf("all apps: %d %v %s", st, h, raw)
	}
	st, h, raw = m.call(t, tok, "GET", "/api/applications?page_size=3&page=2", nil)
	if st != 200 || len(decodeJSON[[]map[string]any](t, raw)) != 3 || h.Get("Total-Number") != "6" {
		t.Errorf("apps page 2: %d %v %s", st, h, raw)
	}
}

// TestManagementIgnoresCookies: a browser's cookies (the console's
// session among them) never authorize the API; only a bearer token does.
func TestManagementIgnoresCookies(t *testing.T) {
	m := newMgmt(t)
	m.user(t, "root", "password-long-enough")
	b := m.browser(t)
	code, _, _ := m.flow(t, b, mustConsoleLikeApp(t, m), "https://console.example/cb", true, "root", "password-long-enough", nil)
	if code == "" {
		t.Fatal("no sign-in")
	}
	resp := b.get(t, m.URL+"/api/users")
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("signed-in browser: %d", resp.StatusCode)
	}
}

func mustConsoleLikeApp(t *testing.T, m *mgmt) string {
	id, _ := m.app(t, "spa", []string{"https://console.example/cb"}, nil)
	return id
}

func (f *faultStore) ListUsersPage(ctx context.Context, q store.ListQuery) ([]store.User, int, error) {
	if err := f.fail("ListUsersPage"); err != nil {
		return nil, 0, err
	}
	return f.Store.ListUsersPage(ctx, q)
}

// TestManagementDatabaseDown: a failing database is 503 with Retry-After
// in the API's error shape, not a 500.
func TestManagementDatabaseDown(t *testing.T) {
	fs := &faultStore{}
	m := newMgmtWith(t, nil, func(s store.Store) store.Store { fs.Store = s; return fs })
	tok := m.token(t, m.appID, m.secret, admin.APIIndicator(m.URL), admin.Scope)
	fs.set("ListUsersPage")
	st, h, raw := m.call(t, tok, "GET", "/api/users", nil)
	if st != 503 || h.Get("Retry-After") == "" || decodeJSON[apiErr](t, raw).Code == "" {
		t.Errorf("%d %v %s", st, h, raw)
	}
	fs.set()
	if st, _, raw := m.call(t, tok, "GET", "/api/users", nil); st != 200 {
		t.Errorf("after recovery: %d %s", st, raw)
	}
}

// TestManagementCreateAppSettings: POST /api/applications takes every
// per-app setting an update takes (Logto's create accepts them), checked
// by the same rule; a bad one creates nothing.
func TestManagementCreateAppSettings(t *testing.T) {
	m := newMgmt(t)
	tok := m.token(t, m.appID, m.secret, admin.APIIndicator(m.URL), admin.Scope)
	st, _, raw := m.call(t, tok, "POST", "/api/applications", map[string]any{"name": "Web", "type": "Traditional",
		"description": "the site", "customData": map[string]any{"team": "a"},
		"oidcClientMetadata": map[string]any{"redirectUris": []string{"https://web.example/cb"}, "postLogoutRedirectUris": []string{},
			"idTokenSignedResponseAlg": "RS256"},
		"customClientMetadata": map[string]any{"idTokenTtl": 600, "refreshTokenTtlInDays": 7, "rotateRefreshToken": false,
			"alwaysIssueRefreshToken": true, "refreshTokenReuseInterval": 15}})
	if st != 200 {
		t.Fatalf("create: %d %s", st, raw)
	}
	id := decodeJSON[map[string]any](t, raw)["id"].(string)
	c, err := m.Store.GetClient(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Description != "the site" || c.IDTokenAlg != "RS256" || c.IDTokenTTL != 600*time.Second || c.RefreshTokenTTL != 7*24*time.Hour ||
		!c.NoRefreshRotation || !c.AlwaysIssueRefreshToken || c.RefreshReuseInterval != 15*time.Second || !strings.Contains(string(c.CustomData), `"team"`) {
		t.Errorf("stored app lost settings given at creation: %+v", c)
	}
	before, err := m.Store.ListClients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string]any{
		{"oidcClientMetadata": map[string]any{"idTokenSignedResponseAlg": "none"}},
		{"customClientMetadata": map[string]any{"idTokenTtl": 5}},
		{"description": strings.Repeat("d", 3000)},
	} {
		body := map[string]any{"name": "Bad", "type": "Traditional"}
		for k, v := range bad {
			body[k] = v
		}
		if st, _, raw := m.call(t, tok, "POST", "/api/applications", body); st != 400 || decodeJSON[apiErr](t, raw).Code != "app.invalid" {
			t.Errorf("create with %v: %d %s, want 400 app.invalid", bad, st, raw)
		}
	}
	if after, _ := m.Store.ListClients(context.Background()); len(after) != len(before) {
		t.Errorf("refused creates stored %d apps", len(after)-len(before))
	}
}
