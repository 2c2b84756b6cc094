package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

// TestStateEchoedByteExact (catalogue RP-09).
func TestStateEchoedByteExact(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	b := e.browser(t)
	for _, state := range []string{"x", strings.Repeat("s", 2048), "🦊 emoji", `%&#"<>+ =?`, `{"json":true}`} {
		cb := callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}, "state": {state}})), r)
		if cb.Query().Get("state") != state {
			t.Errorf("state %.20q came back as %.20q", state, cb.Query().Get("state"))
		}
	}
	cb := callback(t, b.get(t, e.authURL(id, r, url.Values{"state": {strings.Repeat("s", 5000)}})), r)
	if cb.Query().Get("error") != "invalid_request" || cb.Query().Has("state") {
		t.Errorf("oversized state: %.100s", cb.RawQuery)
	}
}

// TestIssuerIgnoresHostHeaders (catalogue IR-08): the issuer and every URL
// come from configuration, never from Host or X-Forwarded-*.
func TestIssuerIgnoresHostHeaders(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest(http.MethodGet, e.Issuer+"/.well-known/openid-configuration", nil)
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Host", "evil.example")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("Forwarded", "host=evil.example;proto=https")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(b), "evil") {
		t.Fatalf("discovery echoes a request header: %s", b)
	}
}

// TestIntrospectionAccess (catalogue TL-11).
func TestIntrospectionAccess(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	other, otherSecret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "xena", "password-xena")
	code, v, _ := e.flow(t, e.browser(t), id, r, true, "xena", "password-xena", nil)
	_, body := e.exchange(t, id, secret, code, v, r)
	at, rt := body["access_token"].(string), body["refresh_token"].(string)
	if st, _, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {at}}, "", ""); st != 401 {
		t.Errorf("introspection without client auth: %d", st)
	}
	for _, tok := range []string{at, rt} {
		if _, ib, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {tok}}, other, otherSecret); ib["active"] != false || len(ib) != 1 {
			t.Errorf("another client learns about the token: %v", ib)
		}
		if _, ib, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {tok}}, id, secret); ib["active"] != true || ib["client_id"] != id {
			t.Errorf("owner's introspection: %v", ib)
		}
	}
	if _, ib, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {"unknown"}}, id, secret); ib["active"] != false {
		t.Errorf("unknown token: %v", ib)
	}
}

// TestUserinfoVariants (catalogue PC-07).
func TestUserinfoVariants(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	u := e.user(t, "yara", "password-yara")
	code, v, _ := e.flow(t, e.browser(t), id, r, true, "yara", "password-yara", nil)
	_, body := e.exchange(t, id, secret, code, v, r)
	at := body["access_token"].(string)
	do := func(method, target, auth, form string) (int, map[string]any, http.Header) {
		req, _ := http.NewRequest(method, target, strings.NewReader(form))
		if form != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m, resp.Header
	}
	if st, m, _ := do(http.MethodPost, e.Issuer+"/me", "Bearer "+at, ""); st != 200 || m["sub"] != u.ID {
		t.Errorf("POST with Bearer: %d %v", st, m)
	}
	if st, m, _ := do(http.MethodPost, e.Issuer+"/me", "", "access_token="+url.QueryEscape(at)); st != 200 || m["sub"] != u.ID {
		t.Errorf("POST with the token in the body: %d %v", st, m)
	}
	if st, m, _ := do(http.MethodGet, e.Issuer+"/me?access_token="+url.QueryEscape(at), "", ""); st < 400 || m["sub"] != nil {
		t.Errorf("token in the query accepted: %d", st)
	}
	st, m, h := do(http.MethodGet, e.Issuer+"/me", "Bearer nope", "")
	if st != 401 || !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) || m["error"] != "invalid_token" {
		t.Errorf("bad token: %d %v %q", st, m, h.Get("WWW-Authenticate"))
	}
	if m["email_verified"] != nil {
		t.Error("error body carries claims")
	}
	if st, m, _ := do(http.MethodGet, e.Issuer+"/me", "Bearer "+at, ""); st != 200 || m["email_verified"] != true || m["username"] != "yara" {
		t.Errorf("claims: %v", m)
	}
}

// TestCanonicalLogin (catalogue IR-04): full-width and upper-case forms of
// a username sign in to the same account.
func TestCanonicalLogin(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "zoe", "password-zoe")
	for _, ident := range []string{"ＺＯＥ", " Zoe ", "ZOE@EXAMPLE.COM"} {
		b := e.browser(t)
		cb := callback(t, b.login(t, b.get(t, e.authURL(id, r, nil)), ident, "password-zoe"), r)
		if cb.Query().Get("code") == "" {
			t.Errorf("%q did not sign in", ident)
		}
	}
}
