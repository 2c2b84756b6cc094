//go:build e2e

package browser

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/testkit"
)

// TestAccountInChromium: /account without a session runs the sign-in and
// comes back; the name is changed; after confirming the password the user
// enrols an authenticator app (QR image loading under the CSP, code typed
// from the secret text) and ends the session of another browser, which
// then has to sign in again.
func TestAccountInChromium(t *testing.T) {
	s := startSesame(t)
	alice := s.createUser(t, "alice", "alice@example.com", "correct horse battery")
	chrome := e2etest.StartChrome(t)
	open := func(b *e2etest.Tab) {
		t.Helper()
		b.Navigate(s.URL + "/account")
		b.WaitSignInForm(s.URL)
		b.SubmitSignIn("alice", "correct horse battery")
		b.WaitFor("the account page", e2etest.OnPage(s.URL+"/account")+` && document.querySelector('#name-form')`)
	}
	b := chrome.NewTab(t)
	open(b)
	other := chrome.NewTab(t) // its own cookie jar: a second session
	open(other)

	// The name.
	if err := b.Do(chromedp.Clear(chromedp.ID("name")), chromedp.SendKeys(chromedp.ID("name"), "Alice Liddell"),
		chromedp.Click(chromedp.CSS("#name-form [type=submit]"))); err != nil {
		t.Fatalf("name form: %v\n%s", err, b.State())
	}
	b.WaitFor("the saved name", e2etest.OnPage(s.URL+"/account?done=name")+` && document.querySelector('#account-notice') && document.querySelector('#name').value === 'Alice Liddell'`)
	if u, err := s.Store.GetUser(context.Background(), alice); err != nil || u.Name != "Alice Liddell" {
		t.Fatalf("stored name %q (%v)", u.Name, err)
	}

	// Step up with the password, then enrol an authenticator app.
	b.Click("#reauth-link")
	b.WaitFor("the step-up page", e2etest.OnPage(s.URL+"/account/reauth")+` && document.querySelector('form #password[autocomplete="current-password"]')`)
	if err := b.Do(chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("#reauth-password-form [type=submit]"))); err != nil {
		t.Fatalf("step-up: %v\n%s", err, b.State())
	}
	b.WaitFor("the account page after the step-up", e2etest.OnPage(s.URL+"/account")+` && !document.querySelector('#reauth-hint') && document.querySelector('#totp-add')`)
	b.Click("#totp-add")
	b.WaitFor("the enrolment page", e2etest.OnPage(s.URL+"/account/totp")+` && document.querySelector('#totp-secret') && document.querySelector('form #code')`)
	if ok, err := e2etest.Eval[bool](b, `document.querySelector('img.mfa-qr').complete && document.querySelector('img.mfa-qr').naturalWidth > 0`); err != nil || !ok {
		t.Errorf("the QR code image did not load (%v)", err)
	}
	secret := b.Text("#totp-secret")
	if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(secret) {
		t.Fatalf("secret text %q", secret)
	}
	c, err := totp.GenerateCodeCustom(secret, time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Do(chromedp.SendKeys(chromedp.ID("code"), c[:3]+" "+c[3:]), chromedp.Click(chromedp.CSS("form [type=submit]"))); err != nil {
		t.Fatalf("enter the code: %v\n%s", err, b.State())
	}
	b.WaitFor("the enrolled app", e2etest.OnPage(s.URL+"/account?done=totp")+` && document.querySelector('#totp-remove-form')`)
	if _, err := s.Store.GetTOTP(context.Background(), alice); err != nil {
		t.Fatalf("no TOTP stored: %v", err)
	}

	// End the other browser's session.
	if n, err := e2etest.Eval[int](b, `document.querySelectorAll('#sessions li').length`); err != nil || n != 2 {
		t.Fatalf("sessions listed: %d (%v)", n, err)
	}
	b.Click(`#sessions button[data-current="false"]`)
	b.WaitFor("the ended session", e2etest.OnPage(s.URL+"/account?done=session_ended")+` && document.querySelectorAll('#sessions li').length === 1`)
	other.Navigate(s.URL + "/account")
	other.WaitSignInForm(s.URL)
}

// TestAccountPasskeyInChromium: after the password step-up, "Add a
// passkey" (revealed by passkey.js under the strict CSP) creates a
// passkey in Chromium's virtual authenticator and stores it.
func TestAccountPasskeyInChromium(t *testing.T) {
	s := startSesameConfig(t, func(c *config.Config) {
		c.Endpoint = strings.Replace(c.Endpoint, "127.0.0.1", "localhost", 1)
	}, nil)
	alice := s.createUser(t, "alice", "alice@example.com", "correct horse battery")
	chrome := e2etest.StartChrome(t)
	b := chrome.NewTab(t)
	addVirtualAuthenticator(t, b, testkit.NewSoftAuthenticator("localhost", s.URL), "someone-else", 0)
	b.Navigate(s.URL + "/account/reauth")
	b.WaitSignInForm(s.URL)
	b.SubmitSignIn("alice", "correct horse battery")
	b.WaitFor("the step-up page", e2etest.OnPage(s.URL+"/account/reauth")+` && document.querySelector('form #password')`)
	if err := b.Do(chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("#reauth-password-form [type=submit]"))); err != nil {
		t.Fatalf("step-up: %v\n%s", err, b.State())
	}
	b.WaitFor("the add button", e2etest.OnPage(s.URL+"/account")+` && !document.querySelector('#passkey-add').hidden`)
	if err := b.Do(chromedp.SendKeys(chromedp.ID("passkey-name"), "Virtual laptop")); err != nil {
		t.Fatal(err)
	}
	b.Click("#passkey-add")
	b.WaitFor("the added passkey", e2etest.OnPage(s.URL+"/account?done=passkey")+` && document.querySelector('#passkeys').innerText.includes('Virtual laptop')`)
	list, err := s.Store.ListPasskeys(context.Background(), alice)
	if err != nil || len(list) != 1 || list[0].Name != "Virtual laptop" {
		t.Fatalf("stored passkeys %+v (%v)", list, err)
	}
}
