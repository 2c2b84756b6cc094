package app_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
)

// TestDiscoveryAndJWKSRevalidate: discovery and JWKS keep their headers
// (JSON, public max-age 300 and 60) and carry an ETag; a client that sends
// it back gets 304 without a body; after a key rotation is published the
// JWKS has another ETag, so the old one gets the new set with a 200.
func TestDiscoveryAndJWKSRevalidate(t *testing.T) {
	const master = "static-test-master-secret-0123456789"
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, func(c *config.Config, o *app.Options) {
		c.Secret = master
		o.Now = clock.Now
	})
	get := func(u, inm string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	for _, tc := range []struct{ path, cache string }{
		{"/.well-known/openid-configuration", "public, max-age=300"},
		{"/jwks", "public, max-age=60"},
	} {
		resp, body := get(e.Issuer+tc.path, "")
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || body == "" || etag == "" || resp.Header.Get("Cache-Control") != tc.cache ||
			resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("%s: %d %v", tc.path, resp.StatusCode, resp.Header)
		}
		resp, body = get(e.Issuer+tc.path, etag)
		if resp.StatusCode != http.StatusNotModified || body != "" || resp.Header.Get("ETag") != etag {
			t.Fatalf("%s with If-None-Match: %d %q %v", tc.path, resp.StatusCode, body, resp.Header)
		}
		if resp, _ := get(e.Issuer+tc.path, `"something-else"`); resp.StatusCode != 200 {
			t.Fatalf("%s with another ETag: %d", tc.path, resp.StatusCode)
		}
	}

	resp, before := get(e.Issuer+"/jwks", "")
	etag := resp.Header.Get("ETag")
	if _, err := (directory.Keys{Store: e.Store, Master: []byte(master), PublishDelay: 90 * time.Second}).Rotate(t.Context(), "ES256"); err != nil {
		t.Fatalf("keys rotate: %v", err)
	}
	clock.Advance(time.Minute) // past a key reload: the new key is published
	resp, after := get(e.Issuer+"/jwks", etag)
	if resp.StatusCode != 200 || after == before || resp.Header.Get("ETag") == etag || resp.Header.Get("ETag") == "" {
		t.Fatalf("JWKS after a rotation, old ETag: %d, new ETag %q, set changed: %v", resp.StatusCode, resp.Header.Get("ETag"), after != before)
	}
}
