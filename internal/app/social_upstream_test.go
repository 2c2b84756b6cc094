package app_test

// The connector's checks of what the upstream answers, against an
// upstream that misbehaves on purpose (testkit.TestOP): docs/security.md
// UI-14.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// newOPEnv is a Sesame whose connector "op" ("Continue with Test OP") is
// a TestOP, with a web app to sign in to.
func newOPEnv(t *testing.T) (*env, *testkit.TestOP, string) {
	t.Helper()
	e := newEnv(t)
	op := testkit.NewTestOP(t, e.URL+"/social/callback")
	patch := fmt.Sprintf(`{"socialConnectors":[{"id":"op","displayName":"Test OP","issuer":%q,"clientId":%q,"clientSecret":%q,"enabled":true}]}`,
		op.URL, op.ClientID, op.ClientSecret)
	if _, _, err := e.settings().Update(context.Background(), []byte(patch)); err != nil {
		t.Fatal(err)
	}
	app, _ := e.app(t, store.AppTraditional, []string{codeRedirect}, nil)
	return e, op, app
}

// opLeg runs "Continue with Test OP" in b up to the callback URL the OP
// sends the browser back to, checking the request carries state, nonce
// and S256 PKCE.
func opLeg(t *testing.T, e *env, op *testkit.TestOP, app string, b *browser) *url.URL {
	t.Helper()
	ia := interactionOf(t, e.start(t, b, app))
	authURL, err := testkit.RedirectTo(b.get(t, e.URL+"/social/start?interaction="+ia+"&connector=op"), op.URL+"/auth")
	if err != nil {
		t.Fatal(err)
	}
	q := authURL.Query()
	if q.Get("state") == "" || q.Get("nonce") == "" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		t.Fatalf("the upstream request lacks state, nonce or PKCE: %s", authURL)
	}
	back, err := op.Authorize(authURL.String())
	if err != nil || !strings.HasPrefix(back.String(), e.URL+"/social/callback?") {
		t.Fatalf("the OP sent the browser to %v (%v)", back, err)
	}
	return back
}

// refused checks the callback answer is a clear error page and that
// nothing was created or linked.
func refused(t *testing.T, e *env, op *testkit.TestOP, resp *http.Response, want string) {
	t.Helper()
	body, _, _ := page(t, resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
		t.Fatalf("status %d at %s, want 400 with %q: %.600s", resp.StatusCode, resp.Request.URL, want, body)
	}
	if _, err := e.Store.GetIdentity(context.Background(), "op", op.Subject); err == nil {
		t.Fatal("a refused callback linked the identity")
	}
	if _, err := e.Store.GetUserByLogin(context.Background(), op.Email); err == nil {
		t.Fatal("a refused callback created the user")
	}
}

// TestSocialUpstreamTokenChecks: an ID token with a wrong issuer, a wrong
// audience, no nonce, another nonce, a signature by a key the upstream
// does not publish, or past its expiry is refused, as is an upstream
// error; the same upstream behaving signs the user in (so each refusal is
// the tampering's doing). UI-14.
func TestSocialUpstreamTokenChecks(t *testing.T) {
	cases := []struct {
		name string
		set  func(op *testkit.TestOP)
		want string
	}{
		{"WrongIssuer", func(op *testkit.TestOP) {
			op.Tamper = func(c map[string]any) { c["iss"] = "https://evil.example" }
		}, "Signing in with Test OP failed"},
		{"WrongAudience", func(op *testkit.TestOP) {
			op.Tamper = func(c map[string]any) { c["aud"] = "another-client" }
		}, "Signing in with Test OP failed"},
		{"MissingNonce", func(op *testkit.TestOP) {
			op.Tamper = func(c map[string]any) { delete(c, "nonce") }
		}, "Signing in with Test OP failed"},
		{"OtherNonce", func(op *testkit.TestOP) {
			op.Tamper = func(c map[string]any) { c["nonce"] = "a-nonce-of-another-flow" }
		}, "Signing in with Test OP failed"},
		{"Expired", func(op *testkit.TestOP) {
			op.Tamper = func(c map[string]any) {
				c["iat"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-30*time.Minute).Unix()
			}
		}, "Signing in with Test OP failed"},
		{"BadSignature", func(op *testkit.TestOP) { op.ForeignKey = true }, "Signing in with Test OP failed"},
		{"UpstreamError", func(op *testkit.TestOP) { op.Error = "access_denied" }, "Signing in with Test OP was cancelled or failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, op, app := newOPEnv(t)
			op.Set(tc.set)
			b := e.browser(t)
			refused(t, e, op, b.get(t, opLeg(t, e, op, app, b).String()), tc.want)
		})
	}
	t.Run("Genuine", func(t *testing.T) {
		e, op, app := newOPEnv(t)
		b := e.browser(t)
		callback(t, b.get(t, opLeg(t, e, op, app, b).String()), codeRedirect)
		link, err := e.Store.GetIdentity(context.Background(), "op", op.Subject)
		if err != nil {
			t.Fatalf("the genuine flow linked nothing: %v", err)
		}
		if u, err := e.Store.GetUserByLogin(context.Background(), op.Email); err != nil || u.ID != link.UserID || !u.EmailVerified {
			t.Fatalf("user %+v (%v), identity %+v", u, err, link)
		}
	})
}

// TestSocialCodeInjection: a code the upstream issued to another browser's
// flow, put into this browser's callback with this browser's own state, is
// refused: the upstream's PKCE check fails (the verifier is this flow's),
// and the nonce would not match either. UI-14.
func TestSocialCodeInjection(t *testing.T) {
	e, op, app := newOPEnv(t)
	victim, attacker := e.browser(t), e.browser(t)
	theirs := opLeg(t, e, op, app, attacker) // the attacker's own code
	mine := opLeg(t, e, op, app, victim)
	injected := *mine
	q := injected.Query()
	q.Set("code", theirs.Query().Get("code"))
	injected.RawQuery = q.Encode()
	refused(t, e, op, victim.get(t, injected.String()), "Signing in with Test OP failed")
}
