package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store"
)

// TestGoOIDCCodeFlow runs the whole guide flow with relying-party libraries
// nobody here wrote: coreos/go-oidc discovers the provider and verifies the
// ID token through the JWKS, x/oauth2 builds the PKCE request, exchanges the
// code and refreshes.
func TestGoOIDCCodeFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	redirect := "http://localhost:3000/callback"
	id, secret := e.app(t, store.AppTraditional, []string{redirect}, []string{"http://localhost:3000/"})
	u := e.user(t, "alice", "correct horse battery")

	prov, err := oidc.NewProvider(ctx, e.Issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	conf := oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Endpoint: prov.Endpoint(),
		Scopes: []string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess, "profile", "email"}}
	verifier := oauth2.GenerateVerifier()
	state, nonce := "state-123", "nonce-456"
	authURL := conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))

	b := e.browser(t)
	cb := callback(t, b.login(t, b.get(t, authURL), "ALICE", "correct horse battery"), redirect)
	q := cb.Query()
	if q.Get("state") != state || q.Get("iss") != e.Issuer || q.Get("code") == "" {
		t.Fatalf("callback query %v", q)
	}
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token although offline_access was requested")
	}
	if tok.Extra("scope") != "openid offline_access profile email" {
		t.Errorf("scope = %v", tok.Extra("scope"))
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := prov.Verifier(&oidc.Config{ClientID: id}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("verify id_token: %v", err)
	}
	if idt.Subject != u.ID || idt.Nonce != nonce {
		t.Errorf("sub %q nonce %q", idt.Subject, idt.Nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	var claims map[string]any
	idt.Claims(&claims)
	if aud, ok := claims["aud"].(string); !ok || aud != id {
		t.Errorf("aud must be the string client id, got %#v", claims["aud"])
	}
	for _, k := range []string{"sid", "auth_time", "iat", "exp"} {
		if claims[k] == nil {
			t.Errorf("id_token lacks %s", k)
		}
	}
	if claims["email"] != "alice@example.com" || claims["email_verified"] != true || claims["username"] != "alice" {
		t.Errorf("scope claims: %v", claims)
	}
	hdr, _ := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES384})
	if h := hdr.Signatures[0].Header; h.Algorithm != "ES384" || h.KeyID == "" {
		t.Errorf("header alg %q kid %q", h.Algorithm, h.KeyID)
	}

	info, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if info.Subject != u.ID || info.Email != "alice@example.com" {
		t.Errorf("userinfo %+v", info)
	}

	// Refresh through x/oauth2 with an expired token.
	tok.Expiry = time.Now().Add(-time.Minute)
	fresh, err := conf.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.AccessToken == tok.AccessToken {
		t.Error("refresh returned the same access token")
	}
	if fresh.RefreshToken != tok.RefreshToken {
		t.Error("a fresh confidential-client refresh token rotated; Logto rotates only after 70% of its life")
	}
	if raw2, _ := fresh.Extra("id_token").(string); raw2 == "" {
		t.Error("refresh response lacks a fresh id_token")
	} else if _, err := prov.Verifier(&oidc.Config{ClientID: id}).Verify(ctx, raw2); err != nil {
		t.Errorf("refreshed id_token: %v", err)
	}
}

func TestTokenResponseShape(t *testing.T) {
	e := newEnv(t)
	redirect := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	e.user(t, "bob", "password-bob")
	b := e.browser(t)
	code, verifier, _ := e.flow(t, b, id, redirect, true, "bob", "password-bob", url.Values{"prompt": {"consent"}})
	req, _ := http.NewRequest(http.MethodPost, e.Issuer+"/token", strings.NewReader(url.Values{"grant_type": {"authorization_code"},
		"code": {code}, "code_verifier": {verifier}, "redirect_uri": {redirect}, "client_id": {id}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d cache-control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	if _, ok := m["expires_in"].(float64); !ok {
		t.Errorf("expires_in is not a number: %#v", m["expires_in"])
	}
	if s, ok := m["scope"].(string); !ok || !strings.Contains(s, "offline_access") {
		t.Errorf("scope %#v", m["scope"])
	}
	if m["token_type"] != "Bearer" || m["refresh_token"] == nil || m["id_token"] == nil {
		t.Errorf("response %v", m)
	}
	if at, _ := m["access_token"].(string); strings.Contains(at, ".") || len(at) < 43 {
		t.Errorf("default access token must be opaque, got %q", at)
	}
}

func TestSSOAndLogout(t *testing.T) {
	e := newEnv(t)
	r1, r2 := "http://localhost:3000/callback", "http://localhost:4000/callback"
	id1, s1 := e.app(t, store.AppTraditional, []string{r1}, []string{"http://localhost:3000/"})
	id2, _ := e.app(t, store.AppSPA, []string{r2}, []string{"http://localhost:4000"})
	e.user(t, "carol", "password-carol")
	b := e.browser(t)
	code, v, _ := e.flow(t, b, id1, r1, true, "carol", "password-carol", nil)
	st, body := e.exchange(t, id1, s1, code, v, r1)
	if st != 200 {
		t.Fatalf("exchange %d %v", st, body)
	}
	first := unsafeClaims(t, body["id_token"].(string), jose.ES384)
	// SSO: the second app gets a code with no sign-in page, for the same
	// user and the same session (catalogue SS-06).
	code2, v2, _ := e.flow(t, b, id2, r2, false, "", "", url.Values{"prompt": {"none"}, "scope": {"openid profile"}})
	st, body = e.exchange(t, id2, "", code2, v2, r2)
	if st != 200 {
		t.Fatalf("SSO exchange %d %v", st, body)
	}
	if second := unsafeClaims(t, body["id_token"].(string), jose.ES384); second["sub"] != first["sub"] || second["sid"] != first["sid"] ||
		second["auth_time"] != first["auth_time"] || first["sid"] == nil {
		t.Errorf("SSO ID tokens differ: sub %v/%v sid %v/%v auth_time %v/%v", first["sub"], second["sub"],
			first["sid"], second["sid"], first["auth_time"], second["auth_time"])
	}
	at2 := body["access_token"].(string)

	// RP-initiated logout with client_id (no id_token_hint), as Logto's SDK
	// sends it, and a post-logout URI registered with a trailing slash.
	resp := b.get(t, e.Issuer+"/session/end?client_id="+id1+"&post_logout_redirect_uri="+url.QueryEscape("http://localhost:3000")+"&state=bye")
	cb := callback(t, resp, "http://localhost:3000")
	if cb.Query().Get("state") != "bye" {
		t.Errorf("state not echoed: %s", cb)
	}
	// The session is gone: prompt=none now fails with login_required.
	verifier, challenge := pkce()
	_ = verifier
	cb = callback(t, b.get(t, e.authURL(id2, r2, url.Values{"prompt": {"none"}, "code_challenge": {challenge},
		"code_challenge_method": {"S256"}, "state": {"s2"}})), r2)
	if cb.Query().Get("error") != "login_required" || cb.Query().Get("state") != "s2" || cb.Query().Get("iss") != e.Issuer {
		t.Errorf("after logout prompt=none → %s", cb.RawQuery)
	}
	// Grants without offline_access end with the session (Logto semantics:
	// offline grants outlive it).
	if st := userinfo(t, e, at2); st != 401 {
		t.Errorf("SSO app's access token after logout: %d, want 401", st)
	}
	// A new sign-in asks for the password again.
	resp = b.get(t, e.authURL(id1, r1, url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}))
	if !strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
		t.Errorf("after logout, authorize went to %s", resp.Request.URL)
	}
	resp.Body.Close()
}

func TestPromptLoginAndMaxAge(t *testing.T) {
	e := newEnv(t)
	r := "http://127.0.0.1/cb"
	id, secret := e.app(t, store.AppNative, []string{r}, nil) // the any-port rule is for native apps
	e.user(t, "dave", "password-dave")
	b := e.browser(t)
	authTime := func(code, v, redirect string) float64 {
		st, body := e.exchange(t, id, secret, code, v, redirect)
		if st != 200 {
			t.Fatalf("exchange %d %v", st, body)
		}
		return unsafeClaims(t, body["id_token"].(string), jose.ES384)["auth_time"].(float64)
	}
	// Loopback redirect with a port the registration lacks (RFC 8252 §7.3).
	rp := "http://127.0.0.1:51234/cb"
	code, v, _ := e.flow(t, b, id, rp, true, "dave", "password-dave", nil)
	t1 := authTime(code, v, rp)
	time.Sleep(1100 * time.Millisecond)
	// max_age large: no re-authentication, same auth_time.
	code, v, _ = e.flow(t, b, id, r, false, "", "", url.Values{"max_age": {"10000"}})
	if t2 := authTime(code, v, r); t2 != t1 {
		t.Errorf("max_age=10000 changed auth_time %v → %v", t1, t2)
	}
	// prompt=login: the sign-in page again, and a later auth_time.
	code, v, _ = e.flow(t, b, id, r, true, "dave", "password-dave", url.Values{"prompt": {"login"}})
	if t3 := authTime(code, v, r); t3 <= t1 {
		t.Errorf("prompt=login auth_time %v not after %v", t3, t1)
	}
	time.Sleep(1100 * time.Millisecond)
	// max_age=1 after a second: must sign in again.
	code, v, _ = e.flow(t, b, id, r, true, "dave", "password-dave", url.Values{"max_age": {"1"}})
	authTime(code, v, r)
}

func TestCodeReplayRevokesGrant(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "erin", "password-erin")
	b := e.browser(t)
	code, v, _ := e.flow(t, b, id, r, true, "erin", "password-erin", nil)
	st, first := e.exchange(t, id, secret, code, v, r)
	if st != 200 {
		t.Fatalf("first exchange %d %v", st, first)
	}
	st, second := e.exchange(t, id, secret, code, v, r)
	if st != 400 || second["error"] != "invalid_grant" || second["code"] != "oidc.invalid_grant" || second["message"] == nil {
		t.Fatalf("replay: %d %v", st, second)
	}
	if got := userinfo(t, e, first["access_token"].(string)); got != 401 {
		t.Errorf("access token of a replayed code still works at userinfo: %d", got)
	}
	st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}}, id, secret)
	if st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("refresh token of a replayed code: %d %v", st, body)
	}
}

func TestConcurrentCodeRedemption(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "frank", "password-frank")
	code, v, _ := e.flow(t, e.browser(t), id, r, true, "frank", "password-frank", nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 50 {
		wg.Go(func() {
			st, _ := e.exchange(t, id, secret, code, v, r)
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[200] != 1 || statuses[400] != 49 {
		t.Fatalf("50 concurrent redemptions: %v, want exactly one 200 and 49 400", statuses)
	}
}

func TestPKCE(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	pub, _ := e.app(t, store.AppSPA, []string{r}, nil)
	e.user(t, "gina", "password-gina")
	b := e.browser(t)

	// Wrong verifier burns the code: the right one fails afterwards too.
	code, v, _ := e.flow(t, b, id, r, true, "gina", "password-gina", nil)
	wrong, _ := pkce()
	if st, body := e.exchange(t, id, secret, code, wrong, r); st != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %v", st, body)
	}
	if st, _ := e.exchange(t, id, secret, code, v, r); st != 400 {
		t.Fatalf("code not burned after a wrong verifier: %d", st)
	}
	// Challenge sent, no verifier.
	code, _, _ = e.flow(t, b, id, r, false, "", "", nil)
	if st, _ := e.exchange(t, id, secret, code, "", r); st != 400 {
		t.Errorf("missing verifier accepted: %d", st)
	}
	// No challenge (confidential client may omit PKCE), verifier sent: downgrade.
	resp := b.get(t, e.authURL(id, r, nil))
	cb := callback(t, resp, r)
	verifier, _ := pkce()
	if st, body := e.exchange(t, id, secret, cb.Query().Get("code"), verifier, r); st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("verifier without challenge: %d %v", st, body)
	}
	// Public client without a challenge: redirected error.
	cb = callback(t, b.get(t, e.authURL(pub, r, nil)), r)
	if cb.Query().Get("error") != "invalid_request" {
		t.Errorf("public client without PKCE: %s", cb.RawQuery)
	}
	// plain and malformed challenges.
	for _, extra := range []url.Values{
		{"code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"plain"}},
		{"code_challenge": {strings.Repeat("a", 43)}},
		{"code_challenge": {strings.Repeat("a", 42)}, "code_challenge_method": {"S256"}},
		{"code_challenge": {strings.Repeat("a", 129)}, "code_challenge_method": {"S256"}},
		{"code_challenge": {strings.Repeat("+", 43)}, "code_challenge_method": {"S256"}},
	} {
		cb := callback(t, b.get(t, e.authURL(pub, r, extra)), r)
		if cb.Query().Get("error") != "invalid_request" {
			t.Errorf("challenge %v: %s", extra, cb.RawQuery)
		}
	}
	// redirect_uri must equal the one used at /auth.
	code, v, _ = e.flow(t, b, id, r, false, "", "", nil)
	if st, body := e.exchange(t, id, secret, code, v, r+"x"); st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("redirect_uri mismatch at token: %d %v", st, body)
	}
	// Another client cannot redeem the code, and the attempt burns it.
	other, otherSecret := e.app(t, store.AppTraditional, []string{r}, nil)
	code, v, _ = e.flow(t, b, id, r, false, "", "", nil)
	if st, _ := e.exchange(t, other, otherSecret, code, v, r); st != 400 {
		t.Errorf("cross-client redemption: %d", st)
	}
	if st, _ := e.exchange(t, id, secret, code, v, r); st != 400 {
		t.Errorf("code usable after a cross-client attempt: %d", st)
	}
}

func TestRefreshRotationPublicClient(t *testing.T) {
	e := newEnv(t)
	r := "http://127.0.0.1/cb"
	id, _ := e.app(t, store.AppSPA, []string{r}, nil)
	e.user(t, "hank", "password-hank")
	code, v, _ := e.flow(t, e.browser(t), id, r, true, "hank", "password-hank", nil)
	st, body := e.exchange(t, id, "", code, v, r)
	if st != 200 {
		t.Fatalf("exchange %d %v", st, body)
	}
	rt1 := body["refresh_token"].(string)
	refresh := func(rt string) (int, map[string]any) {
		st, b, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {id}}, "", "")
		return st, b
	}
	st, body = refresh(rt1)
	if st != 200 {
		t.Fatalf("refresh %d %v", st, body)
	}
	rt2 := body["refresh_token"].(string)
	if rt2 == rt1 {
		t.Fatal("public client refresh token did not rotate")
	}
	at2 := body["access_token"].(string)
	// Reuse of the rotated token revokes the whole grant.
	if st, body = refresh(rt1); st != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v", st, body)
	}
	if st, _ = refresh(rt2); st != 400 {
		t.Errorf("successor token still works after reuse detection: %d", st)
	}
	if got := userinfo(t, e, at2); got != 401 {
		t.Errorf("access token survives reuse detection: %d", got)
	}
}

func TestConcurrentRefreshRotation(t *testing.T) {
	e := newEnv(t)
	r := "http://127.0.0.1/cb"
	id, _ := e.app(t, store.AppNative, []string{r}, nil)
	e.user(t, "ivy", "password-ivy")
	code, v, _ := e.flow(t, e.browser(t), id, r, true, "ivy", "password-ivy", nil)
	_, body := e.exchange(t, id, "", code, v, r)
	rt := body["refresh_token"].(string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	var winner map[string]any
	for range 20 {
		wg.Go(func() {
			st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {id}}, "", "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case st == 200:
				ok++
				winner = body
			case st != 400 || body["error"] != "invalid_grant":
				t.Errorf("a losing rotation: %d %v, want invalid_grant", st, body)
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d of 20 concurrent rotations succeeded, want exactly 1", ok)
	}
	// Catalogue TL-07, the documented policy (no grace window, as
	// node-oidc-provider): a concurrent reuse counts as replay, so the
	// grant is revoked and the winner's new tokens die with it.
	st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {winner["refresh_token"].(string)}, "client_id": {id}}, "", "")
	if st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("the winner's refresh token after the race: %d %v, want invalid_grant", st, body)
	}
	if st := userinfo(t, e, winner["access_token"].(string)); st != 401 {
		t.Errorf("the winner's access token after the race: %d, want 401", st)
	}
}

// TestLateRotationReuse (catalogue TL-06): a confidential client's refresh
// token rotates only after 70 % of its lifetime; reusing the rotated one
// then revokes the grant: the new refresh token and every access token.
func TestLateRotationReuse(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, func(_ *config.Config, o *app.Options) { o.Now = clock.Now })
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "lena", "password-lena")
	code, v, _ := e.flow(t, e.browser(t), id, r, true, "lena", "password-lena", nil)
	_, body := e.exchange(t, id, secret, code, v, r)
	rt1, at1 := body["refresh_token"].(string), body["access_token"].(string)
	refresh := func(rt string) (int, map[string]any) {
		st, b, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, secret)
		return st, b
	}
	st, body := refresh(rt1)
	if st != 200 || body["refresh_token"] != rt1 {
		t.Fatalf("early refresh: %d, rotated=%v; want the same refresh token back", st, body["refresh_token"] != rt1)
	}
	clock.Advance(10 * 24 * time.Hour) // past 70 % of 14 days
	st, body = refresh(rt1)
	if st != 200 || body["refresh_token"] == rt1 || body["refresh_token"] == nil {
		t.Fatalf("late refresh: %d %v; want a new refresh token", st, body)
	}
	rt2, at2 := body["refresh_token"].(string), body["access_token"].(string)
	if st, body := refresh(rt1); st != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("reuse of the rotated token: %d %v", st, body)
	}
	if st, body := refresh(rt2); st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("the successor after reuse: %d %v, want invalid_grant", st, body)
	}
	for name, at := range map[string]string{"first": at1, "latest": at2} {
		if _, ib, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {at}}, id, secret); ib["active"] != false {
			t.Errorf("%s access token after reuse detection: %v", name, ib)
		}
	}
}

func TestClientCredentialsResourceJWT(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m2m, secret := e.app(t, store.AppM2M, nil, nil)
	e.resource(t, "https://api.example.com", "read:things", "write:things")
	e.resource(t, "https://billing.example.com", "charge")
	e.permit(t, m2m, map[string][]string{"https://api.example.com": {"read:things"}})
	st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"},
		"scope": {"read:things openid"}}, m2m, secret)
	if st != 200 {
		t.Fatalf("client_credentials %d %v", st, body)
	}
	if body["refresh_token"] != nil || body["id_token"] != nil || body["scope"] != "read:things" {
		t.Errorf("response %v", body)
	}
	// Verify the JWT with the published JWKS.
	ks := oidc.NewRemoteKeySet(ctx, e.Issuer+"/jwks")
	raw := body["access_token"].(string)
	payload, err := ks.VerifySignature(ctx, raw)
	if err != nil {
		t.Fatalf("JWT access token does not verify with the JWKS: %v", err)
	}
	var c map[string]any
	json.Unmarshal(payload, &c)
	if c["aud"] != "https://api.example.com" || c["sub"] != m2m || c["iss"] != e.Issuer || c["client_id"] != m2m {
		t.Errorf("claims %v", c)
	}
	parsed, _ := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES384})
	if typ := parsed.Signatures[0].Protected.ExtraHeaders["typ"]; typ != "at+jwt" {
		t.Errorf("typ %v", typ)
	}
	if st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"},
		"scope": {"admin"}}, m2m, secret); st != 400 || body["error"] != "invalid_scope" {
		t.Errorf("undefined scope: %d %v", st, body)
	}
	// Catalogue TL-17: a scope the resource defines but the app was not
	// permitted, and a registered resource the app has no permission for.
	if st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"},
		"scope": {"read:things write:things"}}, m2m, secret); st != 400 || body["error"] != "invalid_scope" {
		t.Errorf("unpermitted scope: %d %v", st, body)
	}
	if st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"client_credentials"}, "resource": {"https://billing.example.com"}},
		m2m, secret); st != 400 || body["error"] != "invalid_target" {
		t.Errorf("unpermitted resource: %d %v", st, body)
	}
	if st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"client_credentials"}, "resource": {"https://other.example"}},
		m2m, secret); st != 400 || body["error"] != "invalid_target" {
		t.Errorf("unknown resource: %d %v", st, body)
	}
	// Introspection by the owner sees it active; revocation ends it.
	st, ib, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {raw}}, m2m, secret)
	if st != 200 || ib["active"] != true || ib["aud"] != "https://api.example.com" {
		t.Errorf("introspection %d %v", st, ib)
	}
	if st, _, _ := e.postForm(t, "/oidc/token/revocation", url.Values{"token": {raw}}, m2m, secret); st != 200 {
		t.Errorf("revocation %d", st)
	}
	if _, ib, _ = e.postForm(t, "/oidc/token/introspection", url.Values{"token": {raw}}, m2m, secret); ib["active"] != false {
		t.Errorf("revoked token still active: %v", ib)
	}
	// Taking a permission away ends the app's tokens at once.
	_, body, _ = e.postForm(t, "/oidc/token", url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}}, m2m, secret)
	raw = body["access_token"].(string)
	e.permit(t, m2m, nil)
	if _, ib, _ = e.postForm(t, "/oidc/token/introspection", url.Values{"token": {raw}}, m2m, secret); ib["active"] != false {
		t.Errorf("token outlived the app's permission: %v", ib)
	}
	if st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}},
		m2m, secret); st != 400 || body["error"] != "invalid_target" {
		t.Errorf("after the permission was taken away: %d %v", st, body)
	}
}

func TestResourceTokenThroughRefresh(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	jack := e.user(t, "jack", "password-jack")
	e.resource(t, "https://api.example.com", "read")
	e.grantUser(t, jack.ID, map[string][]string{"https://api.example.com": {"read"}})
	e.resource(t, "https://api2.example.com")
	code, v, _ := e.flow(t, e.browser(t), id, r, true, "jack", "password-jack",
		url.Values{"resource": {"https://api.example.com"}, "scope": {"openid offline_access read"}})
	st, body := e.exchange(t, id, secret, code, v, r)
	if st != 200 || strings.Contains(body["access_token"].(string), ".") {
		t.Fatalf("code exchange must give an opaque token: %d %v", st, body)
	}
	rt := body["refresh_token"].(string)
	st, body, _ = e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
		"resource": {"https://api.example.com"}, "client_id": {id}}, id, secret)
	if st != 200 {
		t.Fatalf("refresh with resource: %d %v", st, body)
	}
	payload, err := oidc.NewRemoteKeySet(context.Background(), e.Issuer+"/jwks").VerifySignature(context.Background(), body["access_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	json.Unmarshal(payload, &c)
	if c["aud"] != "https://api.example.com" || c["scope"] != "read" {
		t.Errorf("resource token claims %v", c)
	}
	if body["scope"] != "read" {
		t.Errorf("response scope %v", body["scope"])
	}
	if body["id_token"] == nil || body["refresh_token"] != rt {
		t.Errorf("refresh with a resource must also return a fresh id_token and the refresh token: %v", body)
	}
	// A resource not requested at /auth.
	st, body, _ = e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
		"resource": {"https://api2.example.com"}}, id, secret)
	if st != 400 || body["error"] != "invalid_target" {
		t.Errorf("ungranted resource: %d %v", st, body)
	}
	// A wider scope than granted.
	st, body, _ = e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
		"scope": {"openid email"}}, id, secret)
	if st != 400 || body["error"] != "invalid_scope" {
		t.Errorf("wider scope: %d %v", st, body)
	}
	// The refresh token is bound to its client.
	other, otherSecret := e.app(t, store.AppTraditional, []string{r}, nil)
	st, body, _ = e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, other, otherSecret)
	if st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("cross-client refresh: %d %v", st, body)
	}
}

func TestRevocationOfRefreshToken(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "kim", "password-kim")
	code, v, _ := e.flow(t, e.browser(t), id, r, true, "kim", "password-kim", nil)
	_, body := e.exchange(t, id, secret, code, v, r)
	rt, at := body["refresh_token"].(string), body["access_token"].(string)
	// Another client cannot revoke it.
	other, otherSecret := e.app(t, store.AppTraditional, []string{r}, nil)
	req, _ := http.NewRequest(http.MethodPost, e.Issuer+"/token/revocation", strings.NewReader(url.Values{"token": {rt}, "client_id": {other}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(other, otherSecret)
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if userinfo(t, e, at) != 200 {
		t.Fatal("another client's revocation took effect")
	}
	// Logto's SDK: Basic + client_id in the body, no token_type_hint; 200, empty body.
	req, _ = http.NewRequest(http.MethodPost, e.Issuer+"/token/revocation", strings.NewReader(url.Values{"client_id": {id}, "token": {rt}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, _ = http.DefaultClient.Do(req)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(b) != 0 {
		t.Fatalf("revocation: %d %q", resp.StatusCode, b)
	}
	if userinfo(t, e, at) != 401 {
		t.Error("access token of a revoked grant still works")
	}
}

// TestTwoTabsSignIn: two sign-ins started in one browser both complete.
func TestTwoTabsSignIn(t *testing.T) {
	e := newEnv(t)
	r1, r2 := "https://one.example/cb", "https://two.example/cb"
	id1, _ := e.app(t, store.AppTraditional, []string{r1}, nil)
	id2, _ := e.app(t, store.AppTraditional, []string{r2}, nil)
	e.user(t, "tab", "password-tab")
	b := e.browser(t)
	first := b.get(t, e.authURL(id1, r1, nil))
	second := b.get(t, e.authURL(id2, r2, nil))
	callback(t, b.login(t, first, "tab", "password-tab"), r1)
	callback(t, b.login(t, second, "tab", "password-tab"), r2)
}
