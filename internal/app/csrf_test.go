package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
)

// TestCSRFEveryForm (catalogue UI-01): the create-account and consent forms,
// like sign-in (TestCSRF) and sign-out (TestLogoutSafety), refuse a POST
// without the page's CSRF token, with another browser's token, or from
// another origin, and change nothing.
func TestCSRFEveryForm(t *testing.T) {
	e := newEnv(t)
	r := "https://third.example/cb"
	c := store.Client{ID: directory.NewAppID(), Name: "Third Party", Type: store.AppTraditional, RedirectURIs: []string{r},
		ThirdParty: true, CreatedAt: time.Now()}
	c.Secrets = []store.ClientSecret{{Name: store.SecretDefault, Hash: provider.HashSecret(directory.NewSecret())}}
	if err := e.Store.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	u := e.user(t, "cara", "password-cara")

	// attacks posts form to action three ways and wants 403 each time.
	attacks := func(what string, b *browser, action string, form url.Values, foreign string) {
		t.Helper()
		for name, tok := range map[string]string{"no token": "", "another browser's token": foreign} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Del("csrf_token")
			if tok != "" {
				f.Set("csrf_token", tok)
			}
			resp := b.post(t, action, f)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s with %s: %d, want 403", what, name, resp.StatusCode)
			}
		}
		b.Origin = "https://evil.example"
		resp := b.post(t, action, form)
		resp.Body.Close()
		b.Origin = e.URL
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s from another origin: %d, want 403", what, resp.StatusCode)
		}
	}
	foreignToken := func() string {
		_, _, tok := page(t, e.browser(t).get(t, e.authURL(c.ID, r, nil)))
		if tok == "" {
			t.Fatal("no CSRF token on the sign-in page")
		}
		return tok
	}

	// Create account.
	b := e.browser(t)
	resp := b.get(t, e.authURL(c.ID, r, url.Values{"first_screen": {"register"}}))
	_, action, csrf := page(t, resp)
	if !strings.HasPrefix(resp.Request.URL.Path, "/register") || csrf == "" {
		t.Fatalf("expected the create-account page, got %s", resp.Request.URL)
	}
	signup := url.Values{"username": {"mallory"}, "password": {"password-1"}, "password_confirm": {"password-1"}, "csrf_token": {csrf}}
	attacks("create account", b, action, signup, foreignToken())
	if _, err := e.Store.GetUserByLogin(t.Context(), "mallory"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused create-account POST created the user (%v)", err)
	}

	// Consent.
	b = e.browser(t)
	resp = b.login(t, b.get(t, e.authURL(c.ID, r, url.Values{"scope": {"openid email"}})), "cara", "password-cara")
	for resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/") {
		resp = b.get(t, e.URL+resp.Header.Get("Location"))
	}
	_, action, csrf = page(t, resp)
	if !strings.HasPrefix(resp.Request.URL.Path, "/consent") || csrf == "" {
		t.Fatalf("expected the consent page, got %s", resp.Request.URL)
	}
	attacks("consent", b, action, url.Values{"decision": {"allow"}, "csrf_token": {csrf}}, foreignToken())
	if _, err := e.Store.GetConsent(t.Context(), u.ID, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused consent POST stored a consent (%v)", err)
	}
	// The genuine form still works afterwards.
	cb := callback(t, b.post(t, action, url.Values{"decision": {"allow"}, "csrf_token": {csrf}}), r)
	if cb.Query().Get("code") == "" {
		t.Fatalf("genuine consent: %s", cb.RawQuery)
	}
}
