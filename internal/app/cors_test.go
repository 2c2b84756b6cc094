package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

// corsDo sends a request with an Origin header and returns the status and
// headers (the body is dropped).
func corsDo(t *testing.T, method, u, origin string, form url.Values, header http.Header) (int, http.Header) {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func varyOrigin(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Origin") {
				return true
			}
		}
	}
	return false
}

// TestCORSPerApp (catalogue MA-12): the token, userinfo and revocation
// endpoints answer CORS only for an origin of the app the request is for
// (its redirect and post-logout URIs' origins, and its allowed CORS
// origins), never for "null" or another origin, never with "*", and always
// with Vary: Origin. Preflights, which name no app, pass for an origin of
// any app. Discovery and the JWKS stay open to every origin.
func TestCORSPerApp(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const spaOrigin, otherOrigin, extraOrigin, evil = "http://localhost:3000", "https://other.example", "https://extra.example", "https://evil.example"
	redirect := spaOrigin + "/callback"
	spa, _ := e.app(t, store.AppSPA, []string{redirect}, []string{spaOrigin + "/"})
	other, _ := e.app(t, store.AppSPA, []string{otherOrigin + "/cb"}, nil)
	if err := e.Store.SetClientCORSOrigins(ctx, other, []string{extraOrigin}); err != nil {
		t.Fatal(err)
	}
	// A native app's private-use scheme has an opaque origin ("null").
	e.app(t, store.AppNative, []string{"com.example.app:/cb"}, nil)
	e.user(t, "alice", "correct horse battery")

	code, verifier, _ := e.flow(t, e.browser(t), spa, redirect, true, "alice", "correct horse battery", nil)
	st, tok := e.exchange(t, spa, "", code, verifier, redirect)
	if st != 200 {
		t.Fatalf("exchange: %d %v", st, tok)
	}
	access, _ := tok["access_token"].(string)
	refresh, _ := tok["refresh_token"].(string)
	bearer := http.Header{"Authorization": {"Bearer " + access}}

	check := func(what string, h http.Header, want string) {
		t.Helper()
		if got := h.Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", what, got, want)
		}
		if !varyOrigin(h) {
			t.Errorf("%s: no Vary: Origin (%q)", what, h.Values("Vary"))
		}
	}

	// Token endpoint: the app is the body's client_id. A refresh with a
	// bogus token fails after the client is identified, and the app must
	// be able to read that error.
	bad := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"bogus"}, "client_id": {spa}}
	for _, c := range []struct{ origin, want string }{
		{spaOrigin, spaOrigin}, {evil, ""}, {"null", ""}, {otherOrigin, ""}, {extraOrigin, ""},
	} {
		st, h := corsDo(t, http.MethodPost, e.Issuer+"/token", c.origin, bad, nil)
		if st != http.StatusBadRequest {
			t.Errorf("token from %s: status %d", c.origin, st)
		}
		check("token from "+c.origin, h, c.want)
	}
	// The other app's explicitly allowed origin and its redirect origin.
	for _, o := range []string{extraOrigin, otherOrigin} {
		_, h := corsDo(t, http.MethodPost, e.Issuer+"/token", o, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {other}}, nil)
		check("token for the other app from "+o, h, o)
	}
	// A successful refresh from the app's origin is readable.
	st, h := corsDo(t, http.MethodPost, e.Issuer+"/token", spaOrigin,
		url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {spa}}, nil)
	if st != 200 {
		t.Fatalf("refresh: %d", st)
	}
	check("refresh from the app's origin", h, spaOrigin)

	// Userinfo: the app is the bearer token's.
	for _, c := range []struct{ origin, want string }{{spaOrigin, spaOrigin}, {evil, ""}, {"null", ""}, {otherOrigin, ""}} {
		st, h := corsDo(t, http.MethodGet, e.Issuer+"/me", c.origin, nil, bearer)
		if st != 200 {
			t.Errorf("userinfo from %s: status %d", c.origin, st)
		}
		check("userinfo from "+c.origin, h, c.want)
	}

	// Revocation: the app is the body's client_id.
	for _, c := range []struct{ origin, want string }{{evil, ""}, {"null", ""}, {otherOrigin, ""}, {spaOrigin, spaOrigin}} {
		st, h := corsDo(t, http.MethodPost, e.Issuer+"/token/revocation", c.origin,
			url.Values{"token": {"not-a-token"}, "client_id": {spa}}, nil)
		if st != 200 {
			t.Errorf("revocation from %s: status %d", c.origin, st)
		}
		check("revocation from "+c.origin, h, c.want)
	}

	// Preflights: an origin of any app passes, with the methods and
	// headers; any other gets no CORS answer.
	pre := http.Header{"Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"authorization, content-type"}}
	for _, path := range []string{"/token", "/me", "/token/revocation"} {
		for _, c := range []struct{ origin, want string }{
			{spaOrigin, spaOrigin}, {otherOrigin, otherOrigin}, {extraOrigin, extraOrigin}, {evil, ""}, {"null", ""},
			{"http://localhost:3001", ""}, {"https://localhost:3000", ""},
		} {
			st, h := corsDo(t, http.MethodOptions, e.Issuer+path, c.origin, nil, pre)
			if st != http.StatusNoContent {
				t.Errorf("preflight %s from %s: status %d", path, c.origin, st)
			}
			check("preflight "+path+" from "+c.origin, h, c.want)
			methods := h.Get("Access-Control-Allow-Methods")
			if (c.want != "") != strings.Contains(methods, "POST") {
				t.Errorf("preflight %s from %s: Access-Control-Allow-Methods %q", path, c.origin, methods)
			}
			if c.want != "" && !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") {
				t.Errorf("preflight %s from %s: Access-Control-Allow-Headers %q", path, c.origin, h.Get("Access-Control-Allow-Headers"))
			}
		}
	}

	// Discovery and the JWKS are public: "*" for anyone.
	for _, path := range []string{"/.well-known/openid-configuration", "/jwks"} {
		for _, o := range []string{evil, "null", spaOrigin} {
			_, h := corsDo(t, http.MethodGet, e.Issuer+path, o, nil, nil)
			if got := h.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("%s from %s: Access-Control-Allow-Origin %q, want *", path, o, got)
			}
		}
	}
}

// TestCORSPreflightCached: preflights from an app's origin are answered
// from a cache of every app's origins, not with a database query each.
func TestCORSPreflightCached(t *testing.T) {
	cs := &countingStore{}
	e := newEnvWrapped(t, slog.New(slog.NewTextHandler(io.Discard, nil)), func(s store.Store) store.Store {
		cs.Store = s
		return cs
	})
	e.app(t, store.AppSPA, []string{"https://spa.example/cb"}, nil)
	pre := http.Header{"Access-Control-Request-Method": {"POST"}}
	before := cs.lists.Load() + cs.gets.Load()
	for range 20 {
		_, h := corsDo(t, http.MethodOptions, e.Issuer+"/token", "https://spa.example", nil, pre)
		if h.Get("Access-Control-Allow-Origin") != "https://spa.example" {
			t.Fatalf("preflight from the app's origin: %q", h.Get("Access-Control-Allow-Origin"))
		}
	}
	if n := cs.lists.Load() + cs.gets.Load() - before; n != 1 {
		t.Errorf("20 preflights read the clients %d times, want 1", n)
	}
}
