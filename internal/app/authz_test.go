package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

// Tests for docs/security.md items 8.1 (API permissions deny by default,
// through roles) and 8.2 (scopes belong to their resource).

const apiA, apiB = "https://api.example", "https://other-api.example"

// resourceToken refreshes rt for resource and returns the response body and
// the access token's claims.
func (e *env) resourceToken(t *testing.T, clientID, secret, rt, resource string) (map[string]any, map[string]any) {
	t.Helper()
	basic := clientID
	if secret == "" {
		basic = ""
	}
	st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
		"resource": {resource}, "client_id": {clientID}}, basic, secret)
	if st != http.StatusOK {
		t.Fatalf("refresh for %s: %d %v", resource, st, body)
	}
	return body, unsafeClaims(t, body["access_token"].(string), "ES384")
}

// signInFor runs a code flow asking for scope on resources and exchanges
// the code, returning the refresh token.
func (e *env) signInFor(t *testing.T, b *browser, clientID, secret, redirect string, login bool, user, pw, scope string, resources ...string) string {
	t.Helper()
	code, v, _ := e.flow(t, b, clientID, redirect, login, user, pw,
		url.Values{"resource": resources, "scope": {"openid offline_access " + scope}})
	st, body := e.exchange(t, clientID, secret, code, v, redirect)
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %v", st, body)
	}
	return body["refresh_token"].(string)
}

// A self-registered user asking for every scope of an API through a public
// client (so the attacker redeems the code) gets none of them: access to an
// API is denied until a role grants it.
func TestAPIScopesDeniedWithoutRole(t *testing.T) {
	e := newEnv(t)
	r := "https://spa.example/cb"
	id, _ := e.app(t, store.AppSPA, []string{r}, nil)
	e.resource(t, apiA, "admin", "read")

	b := e.browser(t)
	verifier, challenge := pkce()
	resp := b.get(t, e.authURL(id, r, url.Values{"first_screen": {"register"}, "resource": {apiA},
		"scope": {"openid offline_access admin read"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}))
	_, action, csrf := page(t, resp)
	if !strings.HasPrefix(resp.Request.URL.Path, "/register") {
		t.Fatalf("expected the registration page, got %s", resp.Request.URL)
	}
	resp = b.post(t, action, url.Values{"csrf_token": {csrf}, "username": {"mallory"},
		"password": {"mallory-password-1"}, "password_confirm": {"mallory-password-1"}})
	for resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/") {
		resp = b.get(t, e.URL+resp.Header.Get("Location"))
	}
	cb := callback(t, resp, r)
	st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")},
		"code_verifier": {verifier}, "redirect_uri": {r}, "client_id": {id}, "resource": {apiA}}, "", "")
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %v", st, body)
	}
	claims := unsafeClaims(t, body["access_token"].(string), "ES384")
	if claims["aud"] != apiA || claims["scope"] != nil || body["scope"] != "" {
		t.Fatalf("a user without a role got API scopes: response scope %q, token %v", body["scope"], claims)
	}
	// The same through the refresh grant, as Logto's SDKs ask for it.
	body, claims = e.resourceToken(t, id, "", body["refresh_token"].(string), apiA)
	if claims["scope"] != nil || body["scope"] != "" {
		t.Fatalf("refresh gave a user without a role API scopes: %q %v", body["scope"], claims)
	}
}

// A role grants exactly its permissions; taking them away shrinks the next
// refreshed token, and the code exchange checks again too.
func TestRolesGovernUserScopes(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.resource(t, apiA, "admin", "read", "write")
	u := e.user(t, "ann", "password-ann")
	role := e.grantUser(t, u.ID, map[string][]string{apiA: {"read", "write"}})

	b := e.browser(t)
	rt := e.signInFor(t, b, id, secret, r, true, "ann", "password-ann", "admin read write", apiA)
	body, claims := e.resourceToken(t, id, secret, rt, apiA)
	if claims["scope"] != "read write" || body["scope"] != "read write" {
		t.Fatalf("role read+write: response %q, token %v", body["scope"], claims["scope"])
	}

	// A permission taken away today is gone from the next refresh.
	ctx := context.Background()
	if err := e.Store.SetRolePermissions(ctx, role.ID, permissions(map[string][]string{apiA: {"read"}}), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, claims = e.resourceToken(t, id, secret, rt, apiA); claims["scope"] != "read" {
		t.Fatalf("after narrowing the role: %v", claims["scope"])
	}
	if err := e.Store.UnassignUserRole(ctx, u.ID, role.ID); err != nil {
		t.Fatal(err)
	}
	if body, claims = e.resourceToken(t, id, secret, rt, apiA); claims["scope"] != nil || body["scope"] != "" {
		t.Fatalf("after the role was unassigned: %q %v", body["scope"], claims["scope"])
	}
	// Assigning a role later does not widen an existing grant beyond what
	// was granted at sign-in: this grant held read and write only.
	e.grantUser(t, u.ID, map[string][]string{apiA: {"admin", "read"}})
	if _, claims = e.resourceToken(t, id, secret, rt, apiA); claims["scope"] != "read" {
		t.Fatalf("a later role widened the grant: %v", claims["scope"])
	}

	// The code exchange checks the roles held at that moment: a code issued
	// while the user held a role, exchanged after it was taken away,
	// carries nothing the user no longer holds.
	role2 := e.grantUser(t, u.ID, map[string][]string{apiA: {"write"}})
	code, v, _ := e.flow(t, b, id, r, false, "", "", url.Values{"resource": {apiA}, "scope": {"openid write"}})
	if err := e.Store.DeleteRole(ctx, role2.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"code_verifier": {v}, "redirect_uri": {r}, "resource": {apiA}}, id, secret)
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %v", st, body)
	}
	if claims = unsafeClaims(t, body["access_token"].(string), "ES384"); claims["scope"] != nil || body["scope"] != "" {
		t.Fatalf("exchange after the role was deleted: %q %v", body["scope"], claims["scope"])
	}
}

// A token for resource A carries only A's scopes, even when B defines a
// scope of the same name that the user holds on B.
func TestScopesBelongToTheirResource(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.resource(t, apiA, "read")
	e.resource(t, apiB, "admin", "read")
	u := e.user(t, "bea", "password-bea")
	e.grantUser(t, u.ID, map[string][]string{apiA: {"read"}, apiB: {"admin"}})

	rt := e.signInFor(t, e.browser(t), id, secret, r, true, "bea", "password-bea", "admin read", apiA, apiB)
	if _, claims := e.resourceToken(t, id, secret, rt, apiA); claims["scope"] != "read" {
		t.Errorf("token for A: scope %v, want only A's read", claims["scope"])
	}
	if _, claims := e.resourceToken(t, id, secret, rt, apiB); claims["scope"] != "admin" {
		t.Errorf("token for B: scope %v, want admin (read on B is not held)", claims["scope"])
	}
	// Narrowing by scope at refresh keeps the pairing.
	st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
		"resource": {apiA}, "scope": {"openid admin"}}, id, secret)
	if st != http.StatusOK {
		t.Fatalf("narrowed refresh: %d %v", st, body)
	}
	if claims := unsafeClaims(t, body["access_token"].(string), "ES384"); claims["scope"] != nil {
		t.Errorf("scope=admin for A, where admin is B's: %v", claims["scope"])
	}
}

// Consent to a scope on one API is not consent to the same scope name on
// another; the consent page lists scopes per API.
func TestConsentPerResource(t *testing.T) {
	e := newEnv(t)
	r := "https://third.example/cb"
	c := store.Client{ID: directory.NewAppID(), Name: "Third Party", Type: store.AppSPA, RedirectURIs: []string{r},
		ThirdParty: true, CreatedAt: time.Now()}
	if err := e.Store.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	e.resource(t, apiA, "admin")
	e.resource(t, apiB, "admin")
	u := e.user(t, "cid", "password-cid")
	e.grantUser(t, u.ID, map[string][]string{apiA: {"admin"}, apiB: {"admin"}})
	b := e.browser(t)
	follow := func(resp *http.Response) *http.Response {
		for resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/") {
			resp = b.get(t, e.URL+resp.Header.Get("Location"))
		}
		return resp
	}
	// consent answers the consent page and returns its body.
	consent := func(resp *http.Response) string {
		t.Helper()
		resp = follow(resp)
		body, action, csrf := page(t, resp)
		if !strings.HasPrefix(resp.Request.URL.Path, "/consent") {
			t.Fatalf("expected the consent page, got %s", resp.Request.URL)
		}
		if cb := callback(t, follow(b.post(t, action, url.Values{"decision": {"allow"}, "csrf_token": {csrf}})), r); cb.Query().Get("code") == "" {
			t.Fatalf("allow: %s", cb.RawQuery)
		}
		return body
	}
	auth := func(scope string, extra url.Values, resources ...string) string {
		_, challenge := pkce()
		v := url.Values{"resource": resources, "scope": {scope}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
		for k, x := range extra {
			v[k] = x
		}
		return e.authURL(c.ID, r, v)
	}
	// Consent to both APIs without API scopes, then to admin on B only.
	consent(b.login(t, b.get(t, auth("openid", nil, apiA, apiB)), "cid", "password-cid"))
	body := consent(b.get(t, auth("openid admin", nil, apiB)))
	// The page lists the scope under its API.
	if !strings.Contains(body, "<code>"+apiB+"</code>") || !strings.Contains(body, `<code class="scope-code">admin</code>`) ||
		strings.Contains(body, apiA) {
		t.Errorf("consent page for admin on B:\n%s", body)
	}
	// Admin on B is remembered; admin on A was never consented to.
	if cb := callback(t, b.get(t, auth("openid admin", url.Values{"prompt": {"none"}}, apiB)), r); cb.Query().Get("code") == "" {
		t.Fatalf("consent to admin on B not remembered: %s", cb.RawQuery)
	}
	if cb := callback(t, b.get(t, auth("openid admin", url.Values{"prompt": {"none"}}, apiA)), r); cb.Query().Get("error") != "consent_required" {
		t.Fatalf("admin on A counted as consented through admin on B: %s", cb.RawQuery)
	}
}
