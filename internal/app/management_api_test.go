package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

// mgmt is a server with the Management API's resources and an M2M app
// holding "all" on both indicators, as `apps create --management-api`
// makes.
type mgmt struct {
	*env
	clock         *fakeClock
	appID, secret string
	seen          []string // every response body, scanned for secrets
}

func newMgmt(t *testing.T, apiScopes ...string) *mgmt { return newMgmtWith(t, nil, nil, apiScopes...) }

// newMgmtWith is newMgmt with env options and a store wrapper.
func newMgmtWith(t testing.TB, opts []envOption, wrap func(store.Store) store.Store, apiScopes ...string) *mgmt {
	clock := &fakeClock{t: time.Now()}
	opts = append(opts, func(_ *config.Config, o *app.Options) { o.Now = clock.Now })
	e := newEnvWrapped(t, slog.New(slog.NewTextHandler(io.Discard, nil)), wrap, opts...)
	// admin.Ensure seeded both resources with "all" and the M2M role.
	for _, sc := range apiScopes {
		if _, err := (directory.Resources{Store: e.Store}).CreateScope(context.Background(), admin.APIResourceID, sc, ""); err != nil {
			t.Fatal(err)
		}
	}
	id, secret := e.app(t, store.AppM2M, nil, nil)
	if err := admin.GrantManagementAPI(context.Background(), e.Store, id); err != nil {
		t.Fatal(err)
	}
	return &mgmt{env: e, clock: clock, appID: id, secret: secret}
}

// token gets an access token the real way: client_credentials with x/oauth2.
func (m *mgmt) token(t testing.TB, id, secret, resource string, scopes ...string) string {
	t.Helper()
	cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: m.Issuer + "/token", Scopes: scopes,
		EndpointParams: url.Values{"resource": {resource}}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("client_credentials for %s: %v", resource, err)
	}
	return tok.AccessToken
}

// call sends a request to the API and decodes a JSON answer.
func (m *mgmt) call(t testing.TB, token, method, path string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, m.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m.seen = append(m.seen, string(raw))
	return resp.StatusCode, resp.Header, raw
}

func decodeJSON[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return v
}

type apiRoute struct{ Method, Path string }

// documentedRoutes reads the routes from the served OpenAPI document.
func documentedRoutes(t *testing.T, m *mgmt) []apiRoute {
	st, _, raw := m.call(t, "", "GET", "/api/swagger.json", nil)
	if st != 200 {
		t.Fatalf("swagger.json %d %s", st, raw)
	}
	doc := decodeJSON[struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}](t, raw)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	var out []apiRoute
	for p, ops := range doc.Paths {
		for method, op := range ops {
			if op["operationId"] == nil {
				t.Errorf("%s %s has no operationId", method, p)
			}
			out = append(out, apiRoute{strings.ToUpper(method), p})
		}
	}
	slices.SortFunc(out, func(a, b apiRoute) int { return strings.Compare(a.Path+a.Method, b.Path+b.Method) })
	return out
}

var param = regexp.MustCompile(`\{[A-Za-z]+\}`)

// TestManagementAuthorizationMatrix: every documented route × every kind
// of token. The routes come from the OpenAPI document, which the route
// table generates, so a new route is covered automatically; an
// undocumented route would answer 404 to the right token below only if it
// were not registered, which TestManagementRoutesDocumented checks.
func TestManagementAuthorizationMatrix(t *testing.T) { authorizationMatrix(t, newMgmt(t, "read")) }

// TestManagementAuthorizationMatrixPostgres is the matrix once on PostgreSQL.
func TestManagementAuthorizationMatrixPostgres(t *testing.T) {
	authorizationMatrix(t, newMgmtWith(t, []envOption{onPostgres(t)}, nil, "read"))
}

func authorizationMatrix(t *testing.T, m *mgmt) {
	api := admin.APIIndicator(m.URL)
	expired := m.token(t, m.appID, m.secret, api, admin.Scope)
	m.clock.Advance(2 * time.Hour)
	right := m.token(t, m.appID, m.secret, api, admin.Scope)
	logto := m.token(t, m.appID, m.secret, admin.LogtoAudience, admin.Scope)

	// Wrong audience: a token for another API the app may call.
	m.resource(t, "https://other.example", "read")
	other := m.role(t, "other", store.RoleM2M, map[string][]string{"https://other.example": {"read"}})
	m.Store.AssignClientRole(context.Background(), m.appID, other.ID)
	wrongAud := m.token(t, m.appID, m.secret, "https://other.example", "read")

	// Wrong role: an app whose role no longer holds "all" though its
	// token, issued before, says so. Narrowing a role revokes its
	// holders' tokens, so the token is dead: 401, not 403.
	lostID, lostSecret := m.app(t, store.AppM2M, nil, nil)
	lost := m.role(t, "lost", store.RoleM2M, map[string][]string{api: {admin.Scope}})
	m.Store.AssignClientRole(context.Background(), lostID, lost.ID)
	wrongRole := m.token(t, lostID, lostSecret, api, admin.Scope)
	if err := m.Store.SetRolePermissions(context.Background(), lost.ID, permissions(map[string][]string{api: {"read"}}), m.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// Wrong scope: a token for the API without "all".
	scID, scSecret := m.app(t, store.AppM2M, nil, nil)
	m.permit(t, scID, map[string][]string{api: {"read"}})
	wrongScope := m.token(t, scID, scSecret, api, "read")

	// An ordinary M2M app (catalogue MA-07): a role on another API only.
	// Its token for that API is the wrong audience, and the token endpoint
	// refuses it one for the Management API (invalid_target); were one
	// issued, the gate would still have to refuse it below.
	ordID, ordSecret := m.app(t, store.AppM2M, nil, nil)
	m.permit(t, ordID, map[string][]string{"https://other.example": {"read"}})
	ordinary := m.token(t, ordID, ordSecret, "https://other.example", "read")
	ordinaryAPI := ""
	cc := clientcredentials.Config{ClientID: ordID, ClientSecret: ordSecret, TokenURL: m.Issuer + "/token", Scopes: []string{admin.Scope},
		EndpointParams: url.Values{"resource": {api}}}
	if tok, err := cc.Token(context.Background()); err == nil {
		t.Errorf("an ordinary app got a Management API token (scope %v)", tok.Extra("scope"))
		ordinaryAPI = tok.AccessToken
	}
	// An end user's tokens from a real sign-in (catalogue MA-01): the ID
	// token and the opaque access token for userinfo. The user is an
	// administrator, so only the token's kind can refuse them.
	idToken, userinfoToken := m.endUserTokens(t)

	routes := documentedRoutes(t, m)
	if len(routes) < 20 {
		t.Fatalf("only %d routes documented", len(routes))
	}
	for _, rt := range routes {
		path := param.ReplaceAllString(rt.Path, "no-such-id")
		var body any
		if rt.Method == "POST" || rt.Method == "PATCH" {
			body = "{}"
		}
		for _, c := range []struct {
			name, header string
			want         int
		}{
			{"no token", "", 401},
			{"malformed", "Basic Zm9vOmJhcg==", 401},
			{"malformed bearer", "Bearer", 401},
			{"unknown", "Bearer not-a-token", 401},
			{"expired", "Bearer " + expired, 401},
			{"wrong audience", "Bearer " + wrongAud, 401},
			{"wrong scope", "Bearer " + wrongScope, 403},
			{"wrong role", "Bearer " + wrongRole, 401},
			{"end user's ID token", "Bearer " + idToken, 401},
			{"end user's userinfo token", "Bearer " + userinfoToken, 401},
			{"ordinary app's token for its API", "Bearer " + ordinary, 401},
		} {
			req, _ := http.NewRequest(rt.Method, m.URL+path, strings.NewReader(""))
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			code := map[int]string{401: "auth.unauthorized", 403: "auth.forbidden"}[c.want]
			if resp.StatusCode != c.want || decodeJSON[apiErr](t, raw).Code != code {
				t.Errorf("%s %s with %s: %d %s", rt.Method, rt.Path, c.name, resp.StatusCode, raw)
			}
		}
		if ordinaryAPI != "" {
			if st, _, raw := m.call(t, ordinaryAPI, rt.Method, path, body); st != 401 && st != 403 {
				t.Errorf("%s %s with an ordinary app's token for the API: %d %s", rt.Method, rt.Path, st, raw)
			}
		}
		for name, tok := range map[string]string{"{endpoint}/api": right, "Logto's indicator": logto} {
			st, _, raw := m.call(t, tok, rt.Method, path, body)
			if st == 401 || st == 403 || st >= 500 || (st >= 400 && decodeJSON[apiErr](t, raw).Code == "") {
				t.Errorf("%s %s with a token for %s: %d %s", rt.Method, rt.Path, name, st, raw)
			}
		}
	}
}

// endUserTokens signs an administrator in to a web app through the
// hosted pages and returns the ID token and access token it got.
func (m *mgmt) endUserTokens(t *testing.T) (idToken, accessToken string) {
	t.Helper()
	redirect := "http://localhost:3000/callback"
	id, secret := m.app(t, store.AppTraditional, []string{redirect}, nil)
	u := m.user(t, "endadmin", "correct horse battery")
	if err := m.Store.AssignUserRole(context.Background(), u.ID, admin.AdminRoleID); err != nil {
		t.Fatal(err)
	}
	b := m.browser(t)
	code, verifier, _ := m.flow(t, b, id, redirect, true, "endadmin", "correct horse battery", url.Values{"scope": {"openid profile"}})
	st, body := m.exchange(t, id, secret, code, verifier, redirect)
	idToken, _ = body["id_token"].(string)
	accessToken, _ = body["access_token"].(string)
	if st != 200 || idToken == "" || accessToken == "" || strings.Contains(accessToken, ".") {
		t.Fatalf("sign-in tokens (an ID token and an opaque access token expected): %d %v", st, body)
	}
	if userinfo(t, m.env, accessToken) != 200 {
		t.Fatal("the end user's access token does not work at userinfo")
	}
	return idToken, accessToken
}

type apiErr struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data"`
}
