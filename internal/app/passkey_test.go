package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/passkey"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// newPasskeyEnv is an mfaEnv whose endpoint is http://localhost:port:
// WebAuthn needs a domain name as RP ID, not 127.0.0.1.
func newPasskeyEnv(t *testing.T) *mfaEnv {
	t.Helper()
	m := &mfaEnv{seen: map[*http.Response][3]string{}}
	now := func() time.Time { return time.Now().Add(time.Duration(m.offset.Load())) }
	m.env = newEnv(t, func(c *config.Config, o *app.Options) {
		c.Secret, o.Now = mfaTestSecret, now
		c.Endpoint = strings.Replace(c.Endpoint, "127.0.0.1", "localhost", 1)
	})
	m.URL = strings.Replace(m.URL, "127.0.0.1", "localhost", 1)
	m.Issuer = m.URL + "/oidc"
	m.svc = app.MFA(m.Store, []byte(mfaTestSecret), m.URL, now)
	redirect := "http://localhost:3000/callback"
	id, secret := m.app(t, store.AppTraditional, []string{redirect}, nil)
	prov, err := oidc.NewProvider(context.Background(), m.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	m.conf = &oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Endpoint: prov.Endpoint(),
		Scopes: []string{oidc.ScopeOpenID}}
	m.verify = prov.Verifier(&oidc.Config{ClientID: id})
	return m
}

// registerPasskey gives u a software passkey through the domain, as the
// account page does, with the server's RP ID and origin.
func (m *mfaEnv) registerPasskey(t *testing.T, u store.User) *testkit.SoftAuthenticator {
	t.Helper()
	svc, err := passkey.New(m.URL, m.Store, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	origin, _ := url.Parse(m.URL)
	a := testkit.NewSoftAuthenticator(origin.Hostname(), origin.Scheme+"://"+origin.Host)
	a.UserHandle = []byte(u.ID)
	cc, ticket, err := svc.BeginRegistration(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FinishRegistration(context.Background(), u, ticket, a.Create(cc.Response.Challenge), "Laptop"); err != nil {
		t.Fatal(err)
	}
	return a
}

// passkeyCeremony runs a passkey page in resp as passkey.js does: POST the
// CSRF token to the options URL, answer with a, post the result.
func (m *mfaEnv) passkeyCeremony(t *testing.T, b *browser, resp *http.Response, path string, a *testkit.SoftAuthenticator) *http.Response {
	t.Helper()
	body, action, csrf := m.onPage(t, resp, path, http.StatusOK)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self'") {
		t.Fatalf("passkey page CSP without connect-src 'self': %s", csp)
	}
	opts := regexp.MustCompile(`data-options="([^"]+)"`).FindStringSubmatch(body)
	if opts == nil || !strings.Contains(body, `nonce=`) || !strings.Contains(body, "passkey.js") {
		t.Fatalf("passkey page: %s", body)
	}
	or := b.post(t, m.URL+strings.ReplaceAll(opts[1], "&amp;", "&"), url.Values{"csrf_token": {csrf}})
	raw, _ := io.ReadAll(or.Body)
	or.Body.Close()
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			RPID      string `json:"rpId"`
		} `json:"publicKey"`
	}
	if or.StatusCode != http.StatusOK || json.Unmarshal(raw, &o) != nil {
		t.Fatalf("options: %d %s", or.StatusCode, raw)
	}
	chal, err := base64.RawURLEncoding.DecodeString(o.PublicKey.Challenge)
	if err != nil || o.PublicKey.RPID != a.RPID {
		t.Fatalf("options: %s", raw)
	}
	return b.post(t, action, url.Values{"csrf_token": {csrf}, "response": {string(a.Get(chal))}})
}

// TestPasskeySignIn: the sign-in page links the passkey page (hidden until
// passkey.js finds WebAuthn); a passkey with user verification signs the
// user in alone with amr ["hwk","user","mfa"]; its ceremony is consumed once and
// a clone's stale counter is refused (UI-17, docs/security.md).
func TestPasskeySignIn(t *testing.T) {
	m := newPasskeyEnv(t)
	u := m.user(t, "alice", "correct horse battery")
	m.enrol(t, u) // a TOTP too: a verified passkey is two factors itself
	a := m.registerPasskey(t, u)

	b := m.browser(t)
	resp, v := m.start(t, b)
	body, _, _ := m.onPage(t, resp, "/sign-in", http.StatusOK)
	if !strings.Contains(body, `id="passkey-link" hidden`) || !strings.Contains(body, "/passkey/signin?interaction=") {
		t.Fatalf("sign-in page without the passkey link: %s", body)
	}
	resp = b.get(t, m.URL+"/passkey/signin?interaction="+url.QueryEscape(interactionOf(t, resp)))
	resp = m.passkeyCeremony(t, b, resp, "/passkey/signin", a)
	if got := m.amr(t, resp, v); !slices.Equal(got, []string{"hwk", "user", "mfa"}) {
		t.Fatalf("amr = %q, want [hwk user mfa]", got)
	}

	// A clone: the same key with an older counter.
	a.SignCount = 1
	b2 := m.browser(t)
	resp, _ = m.start(t, b2)
	resp = b2.get(t, m.URL+"/passkey/signin?interaction="+url.QueryEscape(interactionOf(t, resp)))
	resp = m.passkeyCeremony(t, b2, resp, "/passkey/signin", a)
	body, _, _ = m.onPage(t, resp, "/passkey/signin", http.StatusUnauthorized)
	if !strings.Contains(body, "This passkey was not accepted.") {
		t.Fatalf("clone: %s", body)
	}
	// The ceremony was consumed by that attempt: posting again is refused.
	_, action, csrf := m.read(t, resp)
	a.SignCount = 50
	resp = b2.post(t, action, url.Values{"csrf_token": {csrf}, "response": {string(a.Get([]byte("x")))}})
	body, _, _ = m.onPage(t, resp, "/passkey/signin", http.StatusUnauthorized)
	if !strings.Contains(body, "This attempt expired.") {
		t.Fatalf("no ceremony: %s", body)
	}
}

// TestPasskeySignInOff: settings passkeySignIn.enabled false hides the link
// and refuses the page and its ceremony.
func TestPasskeySignInOff(t *testing.T) {
	m := newPasskeyEnv(t)
	m.settings(t, `{"passkeySignIn":{"enabled":false}}`)
	b := m.browser(t)
	resp, _ := m.start(t, b)
	body, _, csrf := m.onPage(t, resp, "/sign-in", http.StatusOK)
	if strings.Contains(body, "passkey") {
		t.Fatalf("passkey link shown while off: %s", body)
	}
	q := "?interaction=" + url.QueryEscape(interactionOf(t, resp))
	if r := b.get(t, m.URL+"/passkey/signin"+q); r.StatusCode != http.StatusNotFound {
		t.Errorf("page while off: %d", r.StatusCode)
	}
	if r := b.post(t, m.URL+"/passkey/signin/options"+q, url.Values{"csrf_token": {csrf}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("options while off: %d", r.StatusCode)
	}
}

// TestPasskeySecondFactor: after the password, a user whose factor is a
// passkey gets the MFA page's passkey link; the passkey completes the
// sign-in with amr pwd + hwk (+ user when verified) + mfa. The options
// need the CSRF token.
func TestPasskeySecondFactor(t *testing.T) {
	m := newPasskeyEnv(t)
	u := m.user(t, "alice", "correct horse battery")
	a := m.registerPasskey(t, u)
	a.UV = false
	b := m.browser(t)
	resp, v := m.start(t, b)
	resp = b.login(t, resp, "alice", "correct horse battery")
	body, _, _ := m.onPage(t, resp, "/mfa", http.StatusOK)
	link := regexp.MustCompile(`href="([^"]*/passkey/mfa\?[^"]+)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("MFA page without the passkey link: %s", body)
	}
	resp = b.get(t, m.URL+strings.ReplaceAll(link[1], "&amp;", "&"))
	if r := b.post(t, m.URL+"/passkey/mfa/options?interaction="+url.QueryEscape(interactionOf(t, resp)), url.Values{}); r.StatusCode != http.StatusForbidden {
		t.Errorf("options without CSRF token: %d", r.StatusCode)
	}
	resp = m.passkeyCeremony(t, b, resp, "/passkey/mfa", a)
	if got := m.amr(t, resp, v); !slices.Equal(got, []string{"pwd", "hwk", "mfa"}) {
		t.Fatalf("amr = %q, want [pwd hwk mfa]", got)
	}
}
