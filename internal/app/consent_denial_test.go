package app_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

// TestConsentDenialAnsweredByAuthorize: the consent page only records a
// refusal and sends the browser back to the authorization endpoint, which
// alone answers the app: access_denied with state and iss, in the
// request's response_mode (here form_post), once.
func TestConsentDenialAnsweredByAuthorize(t *testing.T) {
	e := newEnv(t)
	r := "https://third.example/cb"
	c := store.Client{ID: opaque.NewID(), Name: "Third Party", Type: store.AppTraditional, RedirectURIs: []string{r},
		ThirdParty: true, CreatedAt: time.Now(), Secrets: []store.ClientSecret{{Name: store.SecretDefault, Hash: provider.HashSecret(opaque.NewToken())}}}
	if err := e.Store.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	e.user(t, "sam", "password-sam")
	b := e.browser(t)
	resp := b.login(t, b.get(t, e.authURL(c.ID, r, url.Values{"scope": {"openid email"}, "state": {"st-deny"},
		"response_mode": {"form_post"}})), "sam", "password-sam")
	for resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/") {
		resp = b.get(t, e.URL+resp.Header.Get("Location"))
	}
	_, action, csrf := page(t, resp)
	if !strings.HasPrefix(resp.Request.URL.Path, "/consent") {
		t.Fatalf("expected the consent page, got %s", resp.Request.URL)
	}

	// The consent POST itself answers with a redirect to the resumption.
	noFollow := &http.Client{Jar: b.Client.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodPost, e.URL+action, strings.NewReader(url.Values{"decision": {"deny"}, "csrf_token": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.URL)
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resume := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resume, "/oidc/auth/") {
		t.Fatalf("deny answered %d to %q, want a 303 to /oidc/auth/{id}", resp.StatusCode, resume)
	}

	// The authorization endpoint sends access_denied to the app.
	resp = b.get(t, e.URL+resume)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := html.UnescapeString(string(body))
	for _, want := range []string{`action="` + r + `"`, `value="access_denied"`, `value="st-deny"`, `value="` + e.Issuer + `"`} {
		if !strings.Contains(form, want) {
			t.Errorf("form_post answer lacks %s:\n%.600s", want, form)
		}
	}
	// Once: the request is gone.
	resp = b.get(t, e.URL+resume)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("second resumption: %d, want 400", resp.StatusCode)
	}
}
