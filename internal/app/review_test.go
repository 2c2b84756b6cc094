package app_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

// noRedirectGet fetches u without following redirects and without cookies.
func noRedirectGet(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// TestLoopbackPortOnlyForNativeApps: the any-port rule for loopback
// redirect URIs (RFC 8252 §7.3) is for native apps only; a web app or SPA
// registered on http://127.0.0.1:4100 gets byte-exact matching, at
// authorization and at sign-out (RFC 9700 §2.1).
func TestLoopbackPortOnlyForNativeApps(t *testing.T) {
	e := newEnv(t)
	reg, other := "http://127.0.0.1:4100/callback", "http://127.0.0.1:4101/callback"
	bye, otherBye := "http://127.0.0.1:4100/bye", "http://127.0.0.1:4101/bye"
	auth := func(id, redirect string) url.Values {
		return url.Values{"client_id": {id}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"},
			"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}, "state": {"s"}}
	}
	for _, typ := range []store.AppType{store.AppTraditional, store.AppSPA, store.AppNative} {
		t.Run(string(typ), func(t *testing.T) {
			id, _ := e.app(t, typ, []string{reg}, []string{bye})
			// The registered URI itself: on to the sign-in page.
			resp, _ := noRedirectGet(t, e.Issuer+"/auth?"+auth(id, reg).Encode())
			if resp.StatusCode/100 != 3 || !strings.HasPrefix(resp.Header.Get("Location"), "/sign-in") {
				t.Fatalf("registered URI: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			resp, body := noRedirectGet(t, e.Issuer+"/auth?"+auth(id, other).Encode())
			if typ == store.AppNative {
				if resp.StatusCode/100 != 3 || !strings.HasPrefix(resp.Header.Get("Location"), "/sign-in") {
					t.Fatalf("native app, another loopback port: %d %q", resp.StatusCode, resp.Header.Get("Location"))
				}
			} else if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" ||
				!strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "redirect_uri is not registered") {
				t.Fatalf("another loopback port: %d %q, want the error page", resp.StatusCode, resp.Header.Get("Location"))
			}
			// Sign-out: another port is refused whatever the type; the
			// registered address is honoured.
			resp, _ = noRedirectGet(t, e.Issuer+"/session/end?"+url.Values{"client_id": {id}, "post_logout_redirect_uri": {otherBye}}.Encode())
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Errorf("sign-out to another loopback port: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			resp, _ = noRedirectGet(t, e.Issuer+"/session/end?"+url.Values{"client_id": {id}, "post_logout_redirect_uri": {bye}}.Encode())
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != bye {
				t.Errorf("sign-out to the registered address: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}
