package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store"
)

// TestEndpointWithPath: with --endpoint http://host/sesame every route is
// served under /sesame: go-oidc discovers the issuer {endpoint}/oidc and
// verifies the ID token through the JWKS, x/oauth2 runs the PKCE code flow
// through the hosted sign-in page (whose form, static files and redirects
// stay under the path, and whose cookies are scoped to it), and
// RP-initiated sign-out ends the session. Nothing is served outside the
// path.
func TestEndpointWithPath(t *testing.T) {
	e := newEnv(t, func(c *config.Config, _ *app.Options) { c.Endpoint += "/sesame/" })
	ctx := context.Background()
	base := e.URL + "/sesame"
	issuer := base + "/oidc"
	redirect := "http://localhost:3000/callback"
	id, secret := e.app(t, store.AppTraditional, []string{redirect}, []string{"http://localhost:3000/"})
	u := e.user(t, "alice", "correct horse battery")

	prov, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	if ep := prov.Endpoint(); ep.AuthURL != issuer+"/auth" || ep.TokenURL != issuer+"/token" {
		t.Errorf("discovered endpoints %+v", ep)
	}
	conf := oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Endpoint: prov.Endpoint(),
		Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
	verifier := oauth2.GenerateVerifier()
	b := e.browser(t)
	resp := b.get(t, conf.AuthCodeURL("st-path", oauth2.S256ChallengeOption(verifier)))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/sesame/sign-in") {
		t.Fatalf("authorize went to %s (%d), want /sesame/sign-in", resp.Request.URL, resp.StatusCode)
	}
	body, action, csrf := page(t, resp)
	if !strings.HasPrefix(action, "/sesame/sign-in?interaction=") || csrf == "" {
		t.Fatalf("sign-in form action %q", action)
	}
	css := regexp.MustCompile(`href="([^"]*sesame\.css[^"]*)"`).FindStringSubmatch(body)
	if css == nil || !strings.HasPrefix(css[1], "/sesame/static/") {
		t.Fatalf("stylesheet link %v, want it under /sesame/static/", css)
	}
	if st := status(t, b, e.URL+strings.ReplaceAll(css[1], "&amp;", "&")); st != http.StatusOK {
		t.Errorf("stylesheet: %d", st)
	}
	scoped := false
	for _, c := range b.Client.Jar.Cookies(mustURL(t, base+"/")) {
		scoped = scoped || strings.Contains(c.Name, "interaction") || strings.Contains(c.Name, "csrf")
	}
	if !scoped {
		t.Fatal("no interaction or CSRF cookie for the path")
	}
	if cs := b.Client.Jar.Cookies(mustURL(t, e.URL+"/")); len(cs) != 0 {
		t.Errorf("cookies reach the host's root: %v", cs)
	}

	cb := callback(t, b.post(t, action, url.Values{"identifier": {"alice"}, "password": {"correct horse battery"}, "csrf_token": {csrf}}), redirect)
	if q := cb.Query(); q.Get("state") != "st-path" || q.Get("iss") != issuer || q.Get("code") == "" {
		t.Fatalf("callback %s", cb)
	}
	tok, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := prov.Verifier(&oidc.Config{ClientID: id}).Verify(ctx, raw)
	if err != nil || idt.Subject != u.ID {
		t.Fatalf("id_token: %v (sub %v)", err, idt)
	}
	if info, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil || info.Subject != u.ID {
		t.Fatalf("userinfo: %v", err)
	}

	// SSO: a second request needs no sign-in, so the session cookie is
	// sent under the path.
	cb = callback(t, b.get(t, conf.AuthCodeURL("st-sso", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none"))), redirect)
	if cb.Query().Get("code") == "" {
		t.Fatalf("SSO: %s", cb)
	}
	// RP-initiated sign-out ends it.
	cb = callback(t, b.get(t, issuer+"/session/end?client_id="+id+"&post_logout_redirect_uri="+url.QueryEscape("http://localhost:3000/")+"&state=bye"), "http://localhost:3000/")
	if cb.Query().Get("state") != "bye" {
		t.Errorf("sign-out: %s", cb)
	}
	cb = callback(t, b.get(t, conf.AuthCodeURL("st-after", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none"))), redirect)
	if cb.Query().Get("error") != "login_required" {
		t.Errorf("after sign-out prompt=none: %s", cb)
	}

	// Other routes live under the path too; nothing is served outside it.
	for path, want := range map[string]int{
		"/sesame/healthz": http.StatusOK, "/sesame/": http.StatusOK, "/sesame/oidc/jwks": http.StatusOK,
		"/oidc/.well-known/openid-configuration": http.StatusNotFound, "/oidc/auth": http.StatusNotFound,
		"/healthz": http.StatusNotFound, "/static/sesame.css": http.StatusNotFound, "/sign-in": http.StatusNotFound,
	} {
		if st := status(t, b, e.URL+path); st != want {
			t.Errorf("GET %s: %d, want %d", path, st, want)
		}
	}
}

func status(t *testing.T, b *browser, u string) int {
	t.Helper()
	resp := b.get(t, u)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestEndpointPathRefused: an endpoint path that cannot be served as route
// prefix is refused at start-up with one line naming the flag.
func TestEndpointPathRefused(t *testing.T) {
	for _, ep := range []string{"http://host/{id}", "http://host/a/../b", "http://host/a%20b", "http://host/a//b"} {
		c := config.Config{Addr: "127.0.0.1:0", Endpoint: ep, DataDir: t.TempDir(), LogFormat: "text", LogLevel: "info", SigningAlg: "ES384"}
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "--endpoint") || strings.Contains(err.Error(), "\n") {
			t.Errorf("Validate(%q) = %v, want a one-line --endpoint error", ep, err)
		}
	}
}
