//go:build e2e

package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
)

// startUpstreamSesame is a second Sesame to act as an upstream OpenID
// provider. It answers as "localhost" while the downstream is
// "127.0.0.1": cookies are per host, not per port, so the two servers'
// cookies of the same name would otherwise overwrite each other in one
// browser, which a real deployment (two domains) never sees.
func startUpstreamSesame(t *testing.T) *sesame {
	t.Helper()
	return startSesameConfig(t, func(c *config.Config) {
		c.Endpoint = strings.Replace(c.Endpoint, "127.0.0.1", "localhost", 1)
	}, nil)
}

// connectUpstream registers down at up as a confidential (traditional) app
// whose redirect URI is down's social callback, and configures the
// connector "upstream" ("Continue with Upstream") at down.
func connectUpstream(t *testing.T, up, down *sesame) {
	t.Helper()
	ctx := context.Background()
	secret := directory.NewSecret()
	c := store.Client{
		ID: directory.NewAppID(), Name: "Downstream Sesame", Type: store.AppTraditional,
		RedirectURIs: []string{down.URL + routes.SocialCallback},
		Secrets:      []store.ClientSecret{{Name: store.SecretDefault, Hash: provider.HashSecret(secret)}}, CreatedAt: time.Now().UTC(),
	}
	if err := up.Store.CreateClient(ctx, c); err != nil {
		t.Fatalf("CreateClient at the upstream: %v", err)
	}
	patch := fmt.Sprintf(`{"socialConnectors":[{"id":"upstream","displayName":"Upstream","issuer":%q,"clientId":%q,"clientSecret":%q,"enabled":true}]}`,
		up.Issuer, c.ID, secret)
	if _, _, err := down.Server.Settings().Update(ctx, []byte(patch)); err != nil {
		t.Fatalf("configure the connector: %v", err)
	}
}

// verifiedUser stores a user whose address counts as verified (the
// upstream then says email_verified=true).
func verifiedUser(t *testing.T, s *sesame, username, email, pw string) store.User {
	t.Helper()
	ctx := context.Background()
	u, err := experience.NewUser(ctx, username, email, pw, fastHash, time.Now().UTC())
	if err != nil {
		t.Fatalf("NewUser: %v", err)
	}
	u.EmailVerified = true
	if err := s.Store.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u
}

// TestSocialSignInInChromium: signing in at an app of the downstream Sesame
// with "Continue with Upstream", where the upstream is another Sesame, in
// Chromium with JavaScript on and off. A new upstream identity creates its
// account; one whose verified address has an account here is linked only
// after that account's password (docs/security.md UI-12). No page may
// report a Content Security Policy violation.
func TestSocialSignInInChromium(t *testing.T) {
	up := startUpstreamSesame(t)
	down := startSesame(t)
	rp := e2etest.NewRelyingParty(t, "rp")
	down.registerRP(t, rp, "Social App")
	connectUpstream(t, up, down)
	upRP := e2etest.NewRelyingParty(t, "uprp")
	up.registerRP(t, upRP, "Upstream App")
	chrome := e2etest.StartChrome(t)

	for _, js := range []bool{true, false} {
		mode, tag := "ScriptOn", "on"
		if !js {
			mode, tag = "ScriptOff", "off"
		}
		t.Run(mode, func(t *testing.T) {
			t.Run("NewAccount", func(t *testing.T) { testSocialNewAccount(t, up, down, rp, upRP, chrome, js, tag) })
			t.Run("LinkWithPassword", func(t *testing.T) { testSocialLink(t, up, down, rp, chrome, js, tag) })
		})
	}
}

// continueWithUpstream goes from rp's sign-in to the upstream's sign-in
// form and signs in there as username.
func continueWithUpstream(t *testing.T, b *e2etest.Tab, up, down *sesame, rp *e2etest.RelyingParty, username, pw string) {
	t.Helper()
	b.Navigate(rp.URL + "/login")
	b.WaitSignInForm(down.URL)
	clickLink(t, b, "Continue with Upstream")
	b.WaitSignInForm(up.URL)
	b.SubmitSignIn(username, pw)
}

// signInAtUpstream gives b a session at the upstream by signing in at
// upRP, the upstream's own app.
//
// Why: Chromium applies form-action to every redirect that follows a form
// submission, and the upstream's sign-in page allows only its client's
// origin (the downstream). A submission at the upstream whose chain runs
// upstream -> downstream callback -> the downstream's app (a third origin)
// is therefore blocked at the last hop. With a session at the upstream
// the "Continue with Upstream" chain has no form submission in it. The
// link case below does post the upstream's form: its chain ends on the
// downstream's link page, which the upstream allows.
func signInAtUpstream(t *testing.T, b *e2etest.Tab, up *sesame, upRP *e2etest.RelyingParty, username, pw string) {
	t.Helper()
	b.Navigate(upRP.URL + "/login")
	b.WaitSignInForm(up.URL)
	b.SubmitSignIn(username, pw)
	e2etest.SignedInAs(t, b.WaitCallback(upRP))
}

// continueWithUpstreamSession is "Continue with Upstream" from rp's
// sign-in with a session at the upstream already: no form on the way.
func continueWithUpstreamSession(t *testing.T, b *e2etest.Tab, down *sesame, rp *e2etest.RelyingParty) string {
	t.Helper()
	b.Navigate(rp.URL + "/login")
	b.WaitSignInForm(down.URL)
	clickLink(t, b, "Continue with Upstream")
	sub, _ := e2etest.SignedInAs(t, b.WaitCallback(rp))
	return sub
}

func testSocialNewAccount(t *testing.T, up, down *sesame, rp, upRP *e2etest.RelyingParty, chrome *e2etest.Chrome, js bool, tag string) {
	ctx := context.Background()
	email := "carol-" + tag + "@example.com"
	upUser := verifiedUser(t, up, "carol-"+tag, email, "upstream password 1")
	b, _ := watchedTab(t, chrome, js)
	signInAtUpstream(t, b, up, upRP, "carol-"+tag, "upstream password 1")
	sub := continueWithUpstreamSession(t, b, down, rp)
	u, err := down.Store.GetUserByLogin(ctx, email)
	if err != nil || u.ID != sub || !u.EmailVerified {
		t.Fatalf("the app shows %q; the downstream user for %s is %+v (%v)", sub, email, u, err)
	}
	link, err := down.Store.GetIdentity(ctx, "upstream", upUser.ID)
	if err != nil || link.UserID != u.ID {
		t.Fatalf("identity (upstream, %s) = %+v, %v; want it linked to %s", upUser.ID, link, err, u.ID)
	}

	// A second sign-in in a fresh browser reaches the same account.
	b2, _ := watchedTab(t, chrome, js)
	signInAtUpstream(t, b2, up, upRP, "carol-"+tag, "upstream password 1")
	if again := continueWithUpstreamSession(t, b2, down, rp); again != sub {
		t.Fatalf("the second sign-in shows %q, want %q", again, sub)
	}
}

func testSocialLink(t *testing.T, up, down *sesame, rp *e2etest.RelyingParty, chrome *e2etest.Chrome, js bool, tag string) {
	ctx := context.Background()
	email := "dave-" + tag + "@example.com"
	upUser := verifiedUser(t, up, "dave-up-"+tag, email, "upstream password 2")
	owner := down.createUser(t, "dave-"+tag, email, "downstream password")
	b, _ := watchedTab(t, chrome, js)
	continueWithUpstream(t, b, up, down, rp, "dave-up-"+tag, "upstream password 2")

	b.WaitFor("the link page", e2etest.OnPage(down.URL+routes.SocialLink)+
		` && document.querySelector('form #password[autocomplete="current-password"]')`)
	checkLabelsAtLeast(t, b, "link page", 1)
	if got := b.Text("h1 + p"); !strings.Contains(got, email) || !strings.Contains(got, "Upstream") {
		t.Errorf("the link page says %q, want it to name %s and Upstream", got, email)
	}
	if _, err := down.Store.GetIdentity(ctx, "upstream", upUser.ID); err == nil {
		t.Fatal("linked before the password was entered")
	}

	fill(t, b, "a wrong password", "password", "not the password")
	b.WaitFor("the wrong-password error", e2etest.OnPage(down.URL+routes.SocialLink)+` && document.querySelector('#link-error')`)
	if _, err := down.Store.GetIdentity(ctx, "upstream", upUser.ID); err == nil {
		t.Fatal("linked after a wrong password")
	}

	fill(t, b, "the password", "password", "downstream password")
	if sub, _ := e2etest.SignedInAs(t, b.WaitCallback(rp)); sub != owner {
		t.Fatalf("after the proof the app shows %q, want the existing account %s", sub, owner)
	}
	link, err := down.Store.GetIdentity(ctx, "upstream", upUser.ID)
	if err != nil || link.UserID != owner {
		t.Fatalf("identity = %+v, %v; want it linked to %s", link, err, owner)
	}
	if u, err := down.Store.GetUserByLogin(ctx, email); err != nil || u.ID != owner {
		t.Fatalf("the address %s belongs to %+v (%v), want still %s: no second account", email, u, err, owner)
	}
}
