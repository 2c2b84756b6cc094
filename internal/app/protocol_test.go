package app_test

import (
	"bufio"
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
)

// TestNonce (catalogue PC-03): a nonce comes back byte for byte; without
// one the ID token has no nonce claim.
func TestNonce(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "nina", "password-nina")
	b := e.browser(t)
	nonce := strings.Repeat("n0-_.~", 10) + "AbCd" // 64 characters, mixed case
	code, v, _ := e.flow(t, b, id, r, true, "nina", "password-nina", url.Values{"nonce": {nonce}})
	_, body := e.exchange(t, id, secret, code, v, r)
	if got := unsafeClaims(t, body["id_token"].(string), jose.ES384)["nonce"]; got != nonce {
		t.Errorf("nonce %q, want %q", got, nonce)
	}
	code, v, _ = e.flow(t, b, id, r, false, "", "", nil)
	_, body = e.exchange(t, id, secret, code, v, r)
	if c := unsafeClaims(t, body["id_token"].(string), jose.ES384); c["nonce"] != nil {
		t.Errorf("ID token without a requested nonce has nonce %v", c["nonce"])
	}
}

// TestCodeRedemptionRules (catalogue RP-15, TL-04): a code needs the
// redirect_uri it was issued for (omitting it fails and burns the code),
// and an expired code is refused.
func TestCodeRedemptionRules(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, func(_ *config.Config, o *app.Options) { o.Now = clock.Now })
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "omar", "password-omar")
	b := e.browser(t)
	code, v, _ := e.flow(t, b, id, r, true, "omar", "password-omar", nil)
	st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {v}}, id, secret)
	if st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("without redirect_uri: %d %v, want invalid_grant", st, body)
	}
	if st, body := e.exchange(t, id, secret, code, v, r); st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("the code survived a redemption without redirect_uri: %d %v", st, body)
	}
	code, v, _ = e.flow(t, b, id, r, false, "", "", nil)
	// Past its lifetime and the replicas' allowed clock skew (docs/design.md,
	// "Clocks across replicas").
	clock.Advance(provider.CodeTTL + store.ClockSkew + time.Second)
	if st, body := e.exchange(t, id, secret, code, v, r); st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("a code %v old: %d %v, want invalid_grant", provider.CodeTTL+store.ClockSkew+time.Second, st, body)
	}
}

// TestRefreshResponse (catalogue PC-12, TL-09): a refresh answers with
// Cache-Control: no-store, an ID token for the same user and session with
// the original auth_time, and a narrower scope when one is asked for.
func TestRefreshResponse(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "rhea", "password-rhea")
	code, v, _ := e.flow(t, e.browser(t), id, r, true, "rhea", "password-rhea", nil)
	_, body := e.exchange(t, id, secret, code, v, r)
	first := unsafeClaims(t, body["id_token"].(string), jose.ES384)
	time.Sleep(1100 * time.Millisecond) // a later iat, so auth_time must not follow it
	st, refreshed, h := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)},
		"scope": {"openid profile"}}, id, secret)
	if st != 200 || !strings.Contains(h.Get("Cache-Control"), "no-store") {
		t.Fatalf("refresh: %d, Cache-Control %q", st, h.Get("Cache-Control"))
	}
	second := unsafeClaims(t, refreshed["id_token"].(string), jose.ES384)
	for _, k := range []string{"sub", "sid", "auth_time", "aud"} {
		if second[k] != first[k] {
			t.Errorf("refreshed ID token %s = %v, want %v", k, second[k], first[k])
		}
	}
	if second["iat"].(float64) <= first["iat"].(float64) {
		t.Errorf("refreshed ID token iat %v not after %v", second["iat"], first["iat"])
	}
	if refreshed["scope"] != "openid profile" {
		t.Errorf("narrowed refresh scope %v, want \"openid profile\"", refreshed["scope"])
	}
	_, ib, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {refreshed["access_token"].(string)}}, id, secret)
	if ib["active"] != true || ib["scope"] != "openid profile" {
		t.Errorf("narrowed access token introspects as %v", ib)
	}
}

// TestTokenAsSessionCookie (catalogue SS-10): an access or refresh token,
// which has the session cookie's shape, does not work as one.
func TestTokenAsSessionCookie(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "sid", "password-sid")
	code, v, _ := e.flow(t, e.browser(t), id, r, true, "sid", "password-sid", nil)
	_, body := e.exchange(t, id, secret, code, v, r)
	for _, name := range []string{"access_token", "refresh_token"} {
		b := e.browser(t)
		u, _ := url.Parse(e.URL)
		b.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "sesame_session", Value: body[name].(string), Path: "/"}})
		cb := callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}})), r)
		if cb.Query().Get("error") != "login_required" {
			t.Errorf("%s as the session cookie: %s, want login_required", name, cb.RawQuery)
		}
	}
}

// TestJWKSNeverPrivate (catalogue PC-02): with RSA keys too, the JWKS
// carries public members only, and RSA moduli are at least 2048 bits.
func TestJWKSNeverPrivate(t *testing.T) {
	e := newEnv(t, func(c *config.Config, _ *app.Options) { c.SigningAlg = "RS256" })
	resp, err := http.Get(e.Issuer + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil || len(raw.Keys) == 0 {
		t.Fatalf("jwks: %v %v", raw, err)
	}
	for _, k := range raw.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, ok := k[private]; ok {
				t.Errorf("JWKS key %v publishes private member %q", k["kid"], private)
			}
		}
	}
	b, _ := json.Marshal(raw)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if rk, ok := k.Key.(*rsa.PublicKey); ok && rk.N.BitLen() < 2048 {
			t.Errorf("RSA key %s has %d bits", k.KeyID, rk.N.BitLen())
		}
		if !k.IsPublic() || k.Use != "sig" {
			t.Errorf("key %s: public %v use %q", k.KeyID, k.IsPublic(), k.Use)
		}
	}
}

// TestNoSecretsAtRest (catalogue MA-06): after a full flow, the database
// files hold none of the raw secrets: not the password, the client
// secret, the code, the access and refresh tokens or the session cookie,
// only their hashes.
func TestNoSecretsAtRest(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	const pw = "password-unique-7Qx2"
	e.user(t, "vault", pw)
	b := e.browser(t)
	code, v, _ := e.flow(t, b, id, r, true, "vault", pw, nil)
	_, body := e.exchange(t, id, secret, code, v, r)
	_, refreshed, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)}}, id, secret)
	u, _ := url.Parse(e.URL)
	var session string
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == "sesame_session" {
			session = c.Value
		}
	}
	secrets := map[string]string{"password": pw, "client secret": secret, "code": code, "PKCE verifier": v,
		"access token": body["access_token"].(string), "refresh token": body["refresh_token"].(string),
		"refreshed access token": refreshed["access_token"].(string), "session cookie": session}
	var files []byte
	for _, name := range []string{"sesame.db", "sesame.db-wal"} {
		b, err := os.ReadFile(filepath.Join(e.DataDir, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		files = append(files, b...)
	}
	if len(files) == 0 || session == "" {
		t.Fatalf("nothing to scan (database %d bytes, session %q)", len(files), session)
	}
	for what, s := range secrets {
		if s == "" {
			t.Fatalf("%s is empty", what)
		}
		if bytes.Contains(files, []byte(s)) {
			t.Errorf("the database holds the raw %s", what)
		}
	}
}

// TestOddRequestTargets (catalogue IR-03): absolute-form targets naming
// another host, dot segments, doubled and encoded slashes never produce a
// 5xx or a redirect off Sesame's own host.
func TestOddRequestTargets(t *testing.T) {
	e := newEnv(t)
	host := strings.TrimPrefix(e.URL, "http://")
	for _, target := range []string{
		"http://evil.example/oidc/auth?client_id=x",
		"http://evil.example/sign-in",
		"/oidc/../sign-in",
		"//oidc/auth",
		"//evil.example/oidc/auth",
		"/%2e%2e/%2e%2e/etc/passwd",
		"/oidc/%2F%2Fevil.example",
		"/static/../../go.mod",
		"/oidc/.well-known/../jwks",
	} {
		conn, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, host)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			conn.Close()
			t.Fatalf("%s: %v", target, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("%s → %d", target, resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); loc != "" {
			if u, err := url.Parse(loc); err != nil || (u.Host != "" && u.Host != host) || strings.HasPrefix(loc, "//") {
				t.Errorf("%s → redirect to %q, off Sesame's host", target, loc)
			}
		}
		if bytes.Contains(body, []byte("module github.com")) || bytes.Contains(body, []byte("root:")) {
			t.Errorf("%s served a file from outside the embedded assets", target)
		}
	}
}

// TestRequirePKCE (catalogue RP-10): with --require-pkce a confidential
// client's request without code_challenge is refused (redirected with
// invalid_request, state and iss); by default, as Logto, it is allowed.
func TestRequirePKCE(t *testing.T) {
	for _, require := range []bool{false, true} {
		e := newEnv(t, func(c *config.Config, _ *app.Options) { c.RequirePKCE = require })
		r := "https://app.example/cb"
		id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
		e.user(t, "kai", "password-kai")
		b := e.browser(t)
		resp := b.get(t, e.authURL(id, r, url.Values{"state": {"s1"}}))
		if !require {
			resp.Body.Close()
			if resp.Request.URL.Path != "/sign-in" {
				t.Errorf("default: a confidential client without PKCE got %s, want the sign-in page", resp.Request.URL)
			}
			continue
		}
		cb := callback(t, resp, r)
		if cb.Query().Get("error") != "invalid_request" || cb.Query().Get("state") != "s1" || cb.Query().Get("iss") != e.Issuer {
			t.Errorf("--require-pkce without code_challenge: %s", cb.RawQuery)
		}
		// With PKCE the flow works.
		e.flow(t, b, id, r, true, "kai", "password-kai", nil)
	}
}
