package app_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

type versioned interface {
	ConfigVersion(ctx context.Context) (int64, error)
}

func configVersion(t *testing.T, e *env) int64 {
	t.Helper()
	v, err := e.Store.(versioned).ConfigVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestConfigCacheHotPaths: tokens, sign-ins, refreshes, introspection,
// userinfo and revocation write nothing the configuration caches read, so
// they never move the configuration version (which would drop every
// replica's caches and make its counter row a hot row).
func TestConfigCacheHotPaths(t *testing.T) {
	for _, on := range []string{"sqlite", "postgres"} {
		t.Run(on, func(t *testing.T) {
			var e *env
			if on == "postgres" {
				e = newEnv(t, onPostgres(t))
			} else {
				e = newEnv(t)
			}
			r := "https://app.example/cb"
			web, webSecret := e.app(t, store.AppTraditional, []string{r}, nil)
			m2m, m2mSecret := e.app(t, store.AppM2M, nil, nil)
			e.resource(t, "https://api.example.com", "read")
			e.permit(t, m2m, map[string][]string{"https://api.example.com": {"read"}})
			e.user(t, "hot", "password-hot")
			before := configVersion(t, e)

			cc := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}, "scope": {"read"}}
			for range 3 {
				if st, body, _ := e.postForm(t, "/oidc/token", cc, m2m, m2mSecret); st != http.StatusOK {
					t.Fatalf("client_credentials: %d %v", st, body)
				}
			}
			b := e.browser(t)
			code, v, _ := e.flow(t, b, web, r, true, "hot", "password-hot", url.Values{"scope": {"openid offline_access"}})
			st, body := e.exchange(t, web, webSecret, code, v, r)
			if st != http.StatusOK {
				t.Fatalf("exchange: %d %v", st, body)
			}
			if st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"},
				"refresh_token": {body["refresh_token"].(string)}}, web, webSecret); st != http.StatusOK {
				t.Fatalf("refresh: %d %v", st, body)
			}
			at := body["access_token"].(string)
			if st := userinfo(t, e, at); st != http.StatusOK {
				t.Fatalf("userinfo: %d", st)
			}
			if st, body, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {at}}, web, webSecret); st != http.StatusOK || body["active"] != true {
				t.Fatalf("introspection: %d %v", st, body)
			}
			if st, _, _ := e.postForm(t, "/oidc/token/revocation", url.Values{"token": {at}}, web, webSecret); st != http.StatusOK {
				t.Fatalf("revocation: %d", st)
			}
			if after := configVersion(t, e); after != before {
				t.Errorf("configuration version moved from %d to %d on the request path", before, after)
			}
		})
	}
}

// TestConfigCacheChangeHoldsAtNextRequest: a change made outside the
// server (here through the store directly, as the CLI does) holds at the
// next request, though the server has the old configuration in memory.
func TestConfigCacheChangeHoldsAtNextRequest(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	m2m, secret := e.app(t, store.AppM2M, nil, nil)
	e.resource(t, "https://api.example.com", "read", "write")
	e.permit(t, m2m, map[string][]string{"https://api.example.com": {"read", "write"}})
	token := func(scope string) (int, map[string]any) {
		st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"client_credentials"},
			"resource": {"https://api.example.com"}, "scope": {scope}}, m2m, secret)
		return st, body
	}
	for range 2 { // the second is served from memory
		if st, body := token("read write"); st != http.StatusOK || body["scope"] != "read write" {
			t.Fatalf("token: %d %v", st, body)
		}
	}
	e.permit(t, m2m, map[string][]string{"https://api.example.com": {"read"}})
	if st, body := token("read write"); st != http.StatusBadRequest || body["error"] != "invalid_scope" {
		t.Errorf("after narrowing the role: %d %v, want invalid_scope", st, body)
	}
	if st, body := token("read"); st != http.StatusOK {
		t.Errorf("read after narrowing the role: %d %v", st, body)
	}
	if err := e.Store.DeleteClient(ctx, m2m); err != nil {
		t.Fatal(err)
	}
	if st, body := token("read"); st != http.StatusUnauthorized {
		t.Errorf("after deleting the app: %d %v, want 401", st, body)
	}
}
