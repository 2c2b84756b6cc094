package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// TestConsentThirdParty: a third-party app shows the consent page; deny
// sends access_denied back; allow is remembered (prompt=none works after).
// First-party apps with Logto's prompt=consent never see it (covered by
// every other flow test).
func TestConsentThirdParty(t *testing.T) {
	e := newEnv(t)
	r := "https://third.example/cb"
	c := store.Client{ID: directory.NewAppID(), Name: "Third Party", Type: store.AppTraditional, RedirectURIs: []string{r},
		ThirdParty: true, CreatedAt: time.Now()}
	secret := directory.NewSecret()
	c.Secrets = []store.ClientSecret{{Name: store.SecretDefault, Hash: provider.HashSecret(secret)}}
	if err := e.Store.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	e.user(t, "sam", "password-sam")
	b := e.browser(t)

	// Sign in, then the consent page.
	resp := b.login(t, b.get(t, e.authURL(c.ID, r, url.Values{"scope": {"openid email"}})), "sam", "password-sam")
	for resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/") {
		resp = b.get(t, e.URL+resp.Header.Get("Location"))
	}
	body, action, csrf := page(t, resp)
	if !strings.HasPrefix(resp.Request.URL.Path, "/consent") || !strings.Contains(body, "Third Party") || !strings.Contains(body, "email") {
		t.Fatalf("expected the consent page, got %s", resp.Request.URL)
	}
	// Deny.
	cb := callback(t, b.post(t, action, url.Values{"decision": {"deny"}, "csrf_token": {csrf}}), r)
	if cb.Query().Get("error") != "access_denied" || cb.Query().Get("iss") != e.Issuer {
		t.Fatalf("deny: %s", cb.RawQuery)
	}
	// prompt=none without consent → consent_required.
	cb = callback(t, b.get(t, e.authURL(c.ID, r, url.Values{"scope": {"openid email"}, "prompt": {"none"}})), r)
	if cb.Query().Get("error") != "consent_required" {
		t.Fatalf("prompt=none before consent: %s", cb.RawQuery)
	}
	// Allow.
	resp = b.get(t, e.authURL(c.ID, r, url.Values{"scope": {"openid email"}}))
	_, action, csrf = page(t, resp)
	resp = b.post(t, action, url.Values{"decision": {"allow"}, "csrf_token": {csrf}})
	for resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/") {
		resp = b.get(t, e.URL+resp.Header.Get("Location"))
	}
	if cb = callback(t, resp, r); cb.Query().Get("code") == "" {
		t.Fatalf("allow: %s", cb.RawQuery)
	}
	// Remembered.
	cb = callback(t, b.get(t, e.authURL(c.ID, r, url.Values{"scope": {"openid email"}, "prompt": {"none"}})), r)
	if cb.Query().Get("code") == "" {
		t.Fatalf("consent not remembered: %s", cb.RawQuery)
	}
}

func TestIDTokenHint(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "tess", "password-tess")
	e.user(t, "uma", "password-uma")
	b := e.browser(t)
	code, v, _ := e.flow(t, b, id, r, true, "tess", "password-tess", nil)
	_, body := e.exchange(t, id, secret, code, v, r)
	hint := body["id_token"].(string)
	// Own hint + prompt=none: immediate success.
	cb := callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}, "id_token_hint": {hint}})), r)
	if cb.Query().Get("code") == "" {
		t.Fatalf("own hint: %s", cb.RawQuery)
	}
	// A hint for another user than the session's: never the wrong user.
	other := e.browser(t)
	code, v, _ = e.flow(t, other, id, r, true, "uma", "password-uma", nil)
	_, ub := e.exchange(t, id, secret, code, v, r)
	cb = callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}, "id_token_hint": {ub["id_token"].(string)}})), r)
	if cb.Query().Get("error") != "login_required" {
		t.Fatalf("foreign hint: %s", cb.RawQuery)
	}
	// A forged hint is an error, not a login.
	cb = callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}, "id_token_hint": {hint[:len(hint)-3] + "abc"}})), r)
	if cb.Query().Get("error") != "invalid_request" {
		t.Fatalf("forged hint: %s", cb.RawQuery)
	}
}

// TestSecretsNeverLogged runs a whole flow with debug logging and checks
// that no credential, code or token reached the log.
func TestSecretsNeverLogged(t *testing.T) {
	var logs testkit.LogBuffer
	e := newEnvWithLog(t, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "vera", "password-vera-1")
	b := e.browser(t)
	code, v, cb := e.flow(t, b, id, r, true, "vera", "password-vera-1", nil)
	_, body := e.exchange(t, id, secret, code, v, r)
	e.exchange(t, id, secret, code, v, r) // a replay, which is logged
	rt := body["refresh_token"].(string)
	_, rb, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, "wrong-secret")
	_ = rb
	out := logs.String()
	if !strings.Contains(out, "/oidc/token") {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	for name, s := range map[string]string{"client secret": secret, "password": "password-vera-1", "code": code,
		"verifier": v, "state": cb.Query().Get("state"), "access token": body["access_token"].(string),
		"refresh token": rt, "id token": body["id_token"].(string)[:40]} {
		if strings.Contains(out, s) {
			t.Errorf("the log contains the %s", name)
		}
	}
	io.Discard.Write(nil)
}
