//go:build e2e

package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// addVirtualAuthenticator gives tab b a CTAP2 platform authenticator with
// user verification that holds key's credential for userID, its counter at
// count (WebAuthn domain of the DevTools protocol).
func addVirtualAuthenticator(t *testing.T, b *e2etest.Tab, key *testkit.SoftAuthenticator, userID string, count float64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{})
	}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (webauthn.AddVirtualAuthenticatorResult, error) {
		return cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
			// This Chromium refuses addCredential otherwise (the params always
			// carry generateCmtgKeyOnNextOperation).
			HasCmtgKey: true}})
	})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	if _, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, tg, webauthn.AddCredential, webauthn.AddCredentialParams{AuthenticatorID: res.AuthenticatorID,
			Credential: &webauthn.Credential{CredentialID: key.CredID, IsResidentCredential: true, RpID: key.RPID,
				PrivateKey: key.PKCS8(), UserHandle: []byte(userID), SignCount: count, UserName: "alice"}})
	}); err != nil {
		t.Fatalf("WebAuthn.addCredential: %v", err)
	}
}

// TestPasskeyInChromium: with Chromium's virtual authenticator holding
// alice's passkey, the sign-in page shows "Sign in with a passkey"
// (revealed by passkey.js, under the strict CSP) and the passkey signs her
// in without an identifier; in a fresh browser the passkey is her second
// factor after the password. The endpoint is http://localhost:port: the
// RP ID must be a domain, and localhost is a secure context.
func TestPasskeyInChromium(t *testing.T) {
	s := startSesameConfig(t, func(c *config.Config) {
		c.Endpoint = strings.Replace(c.Endpoint, "127.0.0.1", "localhost", 1)
	}, nil)
	rp := e2etest.NewRelyingParty(t, "rp")
	s.registerRP(t, rp, "Passkey App")
	alice := s.createUser(t, "alice", "alice@example.com", "correct horse battery")
	// The passkey as a registration stores it; the same key goes into
	// each tab's virtual authenticator.
	key := testkit.NewSoftAuthenticator("localhost", s.URL)
	if err := s.Store.CreatePasskey(context.Background(), store.Passkey{ID: key.CredID, UserID: alice,
		PublicKey: key.COSEPublicKey(), AttestationType: "none", Transports: []string{"internal"},
		AAGUID: make([]byte, 16), UserVerified: true, Name: "Virtual", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	chrome := e2etest.StartChrome(t)

	// 1. Passkey sign-in, no identifier typed.
	b := chrome.NewTab(t)
	addVirtualAuthenticator(t, b, key, alice, 0)
	b.Navigate(rp.URL + "/login")
	b.WaitSignInForm(s.URL)
	b.WaitFor("the passkey link", `document.querySelector('#passkey-link') && !document.querySelector('#passkey-link').hidden`)
	b.Click("#passkey-link a")
	b.WaitFor("the passkey page", e2etest.OnPage(s.URL+"/passkey/signin?")+` && !document.querySelector('#passkey-start').hidden`)
	b.Click("#passkey-start")
	if sub, _ := e2etest.SignedInAs(t, b.WaitCallback(rp)); sub != alice {
		t.Fatalf("after passkey sign-in the app shows sub %q", sub)
	}
	p, err := s.Store.GetPasskey(context.Background(), key.CredID)
	if err != nil || p.SignCount == 0 || p.LastUsedAt.IsZero() {
		t.Fatalf("passkey after use: %+v, %v", p, err)
	}

	// 2. The passkey as second factor after the password (a fresh
	// browser; its authenticator's counter is ahead of the stored one).
	b2 := chrome.NewTab(t)
	addVirtualAuthenticator(t, b2, key, alice, float64(p.SignCount)+10)
	b2.Navigate(rp.URL + "/login")
	b2.WaitSignInForm(s.URL)
	b2.SubmitSignIn("alice", "correct horse battery")
	b2.WaitFor("the MFA page with its passkey link", e2etest.OnPage(s.URL+"/mfa?")+` && document.querySelector('a[href*="/passkey/mfa?"]')`)
	b2.Click(`a[href*="/passkey/mfa?"]`)
	b2.WaitFor("the passkey page", e2etest.OnPage(s.URL+"/passkey/mfa?")+` && !document.querySelector('#passkey-start').hidden`)
	b2.Click("#passkey-start")
	if sub, _ := e2etest.SignedInAs(t, b2.WaitCallback(rp)); sub != alice {
		t.Fatalf("after the passkey as second factor the app shows sub %q", sub)
	}
}
