package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/oidc/provider"
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

// TestLogoutHintMustMatchSession: an id_token_hint skips the confirmation
// only when its sub (and sid, when it has one) are the browser's SSO
// session's (OpenID Connect RP-Initiated Logout 1.0 §2). Another user's
// token, or the same user's from another session, gets the confirmation
// page and the session survives.
func TestLogoutHintMustMatchSession(t *testing.T) {
	e := newEnv(t)
	r, bye := "https://app.example/cb", "https://app.example/bye"
	id, secret := e.app(t, store.AppTraditional, []string{r}, []string{bye})
	e.user(t, "olga", "password-olga")
	e.user(t, "petr", "password-petr")
	idToken := func(b *browser, user string) string {
		t.Helper()
		code, v, _ := e.flow(t, b, id, r, true, user, "password-"+user, nil)
		st, body := e.exchange(t, id, secret, code, v, r)
		if st != 200 {
			t.Fatalf("exchange: %d %v", st, body)
		}
		return body["id_token"].(string)
	}
	victim := e.browser(t)
	own := idToken(victim, "olga")
	others := idToken(e.browser(t), "petr")       // another user
	otherSession := idToken(e.browser(t), "olga") // same user, another session (sid)
	get := func(b *browser, q url.Values) *http.Response {
		t.Helper()
		stop := *b.Client
		stop.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := stop.Get(e.Issuer + "/session/end?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	signedIn := func(b *browser) bool {
		t.Helper()
		return callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}})), r).Query().Get("code") != ""
	}
	for name, q := range map[string]url.Values{
		"another user's hint, with return address":    {"id_token_hint": {others}, "post_logout_redirect_uri": {bye}, "state": {"s"}},
		"another user's hint, no return address":      {"id_token_hint": {others}},
		"another session's hint, with return address": {"id_token_hint": {otherSession}, "post_logout_redirect_uri": {bye}},
		"another session's hint, no return address":   {"id_token_hint": {otherSession}},
	} {
		resp := get(victim, q)
		_, action, csrf := page(t, resp)
		if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || action != "/oidc/session/end/confirm" || csrf == "" {
			t.Errorf("%s: %d %q action %q, want the confirmation page", name, resp.StatusCode, resp.Header.Get("Location"), action)
		}
		if !signedIn(victim) {
			t.Fatalf("%s: the session ended without confirmation", name)
		}
	}
	// The signed-in user's own hint: signed out and sent back at once.
	resp := get(victim, url.Values{"id_token_hint": {own}, "post_logout_redirect_uri": {bye}, "state": {"s1"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != bye+"?state=s1" {
		t.Fatalf("matching hint: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if signedIn(victim) {
		t.Error("matching hint: still signed in")
	}
	// Logto's SDKs send client_id and the return address, no hint: still
	// no click (logto-compat §6.1).
	idToken(victim, "olga")
	resp = get(victim, url.Values{"client_id": {id}, "post_logout_redirect_uri": {bye}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != bye {
		t.Fatalf("Logto-style sign-out: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if signedIn(victim) {
		t.Error("Logto-style sign-out: still signed in")
	}
}

// TestRefreshTokenOfExpiredGrant: a confidential client's refresh token,
// rotated late in the grant's life, outlives the grant; once the grant has
// expired the token is refused at the token endpoint and inactive at
// introspection (one rule: store.RefreshToken.Live).
func TestRefreshTokenOfExpiredGrant(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, func(_ *config.Config, o *app.Options) { o.Now = clock.Now })
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "rita", "password-rita")
	code, v, _ := e.flow(t, e.browser(t), id, r, true, "rita", "password-rita", nil)
	st, body := e.exchange(t, id, secret, code, v, r)
	if st != 200 {
		t.Fatalf("exchange: %d %v", st, body)
	}
	rt := body["refresh_token"].(string)
	introspect := func() map[string]any {
		_, ib, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {rt}}, id, secret)
		return ib
	}
	// Refresh every 10 days (past 70 % of the 14-day lifetime, so each
	// refresh rotates to a fresh 14 days) until just before the grant ends.
	step := 10 * 24 * time.Hour
	for elapsed := step; elapsed+step <= provider.GrantTTL; elapsed += step {
		clock.Advance(step)
		st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, secret)
		if st != 200 || body["refresh_token"] == nil {
			t.Fatalf("refresh after %v: %d %v", elapsed, st, body)
		}
		rt = body["refresh_token"].(string)
	}
	if ib := introspect(); ib["active"] != true {
		t.Fatalf("live refresh token: %v", ib)
	}
	// Past the grant's lifetime, within the token's own.
	clock.Advance(step + 24*time.Hour)
	if ib := introspect(); ib["active"] != false || len(ib) != 1 {
		t.Errorf("refresh token of an expired grant at introspection: %v, want {\"active\":false}", ib)
	}
	st, body, _ = e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, secret)
	if st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("refresh token of an expired grant at the token endpoint: %d %v", st, body)
	}
}

// TestHostileParameterNamesInErrors: a parameter name echoed in an error
// description cannot add an auth-param to WWW-Authenticate, and stays inert
// in the JSON body and on HTML error pages.
func TestHostileParameterNamesInErrors(t *testing.T) {
	e := newEnv(t)
	name := `a", error="evil`
	req, _ := http.NewRequest(http.MethodPost, e.Issuer+"/me", strings.NewReader(url.Values{name: {"1", "2"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	desc := "parameter " + name + " must not be provided more than once"
	want := `Bearer realm="sesame", error="invalid_request", error_description="parameter a\", error=\"evil must not be provided more than once"`
	if got := resp.Header.Values("WWW-Authenticate"); resp.StatusCode != 400 || len(got) != 1 || got[0] != want {
		t.Errorf("%d WWW-Authenticate %q, want %q", resp.StatusCode, got, want)
	}
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil || body["error"] != "invalid_request" || body["error_description"] != desc {
		t.Errorf("body %s (%v)", b, err)
	}
	// The same kind of name on an HTML page is escaped.
	id, _ := e.app(t, store.AppTraditional, []string{"https://app.example/cb"}, nil)
	q := url.Values{"client_id": {id}, "redirect_uri": {"https://app.example/cb"}, "response_type": {"code"}, `<svg onload=alert(1)>`: {"1", "2"}}
	r, page := noRedirectGet(t, e.Issuer+"/auth?"+q.Encode())
	if r.StatusCode != 400 || strings.Contains(page, "<svg onload") || !strings.Contains(page, "&lt;svg onload=alert(1)&gt;") {
		t.Errorf("HTML error page: %d %.2000s", r.StatusCode, page)
	}
}
