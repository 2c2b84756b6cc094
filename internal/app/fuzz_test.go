package app_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

// FuzzAuthorizeRequest: no query string makes the authorization endpoint
// fail with a 5xx or panic, and it never redirects anywhere but the one
// registered URI.
func FuzzAuthorizeRequest(f *testing.F) {
	e := newEnv(f)
	id, _ := e.app(f, store.AppSPA, []string{"https://app.example/cb"}, nil)
	for _, s := range []string{
		"client_id=" + id + "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&scope=openid",
		"client_id=" + id + "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&code_challenge=" + strings.Repeat("a", 43) + "&code_challenge_method=S256&prompt=none&max_age=-1",
		"client_id=" + id + "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_mode=form_post&response_type=code&resource=a,b&state=%ff",
		"client_id=%00&redirect_uri=%zz", "",
	} {
		f.Add(s)
	}
	h := e.Server.Handler()
	f.Fuzz(func(t *testing.T, q string) {
		req := httptest.NewRequest(http.MethodGet, "/oidc/auth", nil)
		req.URL.RawQuery = q
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("query %q → %d", q, rec.Code)
		}
		if loc := rec.Header().Get("Location"); loc != "" && !strings.HasPrefix(loc, "https://app.example/cb?") && !strings.HasPrefix(loc, "/sign-in?") {
			t.Fatalf("query %q redirected to %q", q, loc)
		}
	})
}

// FuzzTokenRequest: no form body makes the token endpoint answer other
// than a JSON 4xx (no valid credentials are in the corpus).
func FuzzTokenRequest(f *testing.F) {
	e := newEnv(f)
	id, _ := e.app(f, store.AppSPA, []string{"https://app.example/cb"}, nil)
	for _, s := range []string{
		"grant_type=authorization_code&code=abc&client_id=" + id + "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_verifier=" + strings.Repeat("a", 43),
		"grant_type=refresh_token&refresh_token=x&client_id=" + id + "&scope=openid&resource=https://a",
		"grant_type=client_credentials&client_id=" + id + "&client_secret=s",
		"grant_type=%zz", "&&&=", "client_id=" + id + "&client_id=" + id,
	} {
		f.Add(s, "")
		f.Add(s, "Basic "+id)
	}
	h := e.Server.Handler()
	f.Fuzz(func(t *testing.T, body, auth string) {
		req := httptest.NewRequest(http.MethodPost, "/oidc/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("body %q auth %q → %d %s", body, auth, rec.Code, rec.Body)
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("non-JSON error for %q", body)
		}
	})
}
