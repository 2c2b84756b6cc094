//go:build e2e

package browser

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/internal/signinexp"
)

// TestMFAInChromium: under policy Mandatory a user without a factor enrols
// an authenticator app at sign-in (the code computed from the secret text
// the page shows, as a person would type it, and the QR code image
// loading under the CSP), saves the backup codes and reaches the app; the
// next sign-in asks for a TOTP code, and the one after takes a backup code
// through the page's "use a backup code" link, with JavaScript off.
func TestMFAInChromium(t *testing.T) {
	s := startSesame(t)
	rp := e2etest.NewRelyingParty(t, "rp")
	s.registerRP(t, rp, "MFA App")
	alice := s.createUser(t, "alice", "alice@example.com", "correct horse battery")
	settings := &signinexp.Service{Store: s.Store, AllowRegistration: true}
	if _, _, err := settings.Update(context.Background(), []byte(`{"mfa":{"factors":["Totp","BackupCode"],"policy":"Mandatory"}}`)); err != nil {
		t.Fatal(err)
	}
	chrome := e2etest.StartChrome(t)
	code := func(secret string, at time.Time) string {
		c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	typeCode := func(b *e2etest.Tab, c string) {
		t.Helper()
		if err := b.Do(chromedp.SendKeys(chromedp.ID("code"), c), chromedp.Click(chromedp.CSS("form [type=submit]"))); err != nil {
			t.Fatalf("enter the code: %v\n%s", err, b.State())
		}
	}
	signIn := func(b *e2etest.Tab) {
		t.Helper()
		b.Navigate(rp.URL + "/login")
		b.WaitSignInForm(s.URL)
		b.SubmitSignIn("alice", "correct horse battery")
	}

	// 1. Enrolment at sign-in.
	b := chrome.NewTab(t)
	signIn(b)
	b.WaitFor("the enrolment page", e2etest.OnPage(s.URL+"/mfa/enroll?")+` && document.querySelector('#mfa-secret') && document.querySelector('form #code')`)
	if ok, err := e2etest.Eval[bool](b, `document.querySelector('img.mfa-qr').complete && document.querySelector('img.mfa-qr').naturalWidth > 0`); err != nil || !ok {
		t.Errorf("the QR code image did not load (%v)", err)
	}
	secret := b.Text("#mfa-secret")
	if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(secret) {
		t.Fatalf("secret text %q", secret)
	}
	enrolled := time.Now()
	c := code(secret, enrolled)
	typeCode(b, c[:3]+" "+c[3:]) // pasted with a space
	b.WaitFor("the backup codes", `document.querySelectorAll('#backup-codes code').length === 10`)
	backup, err := e2etest.Eval[[]string](b, `Array.from(document.querySelectorAll('#backup-codes code')).map(e => e.innerText)`)
	if err != nil || len(backup) != 10 {
		t.Fatalf("backup codes %q (%v)", backup, err)
	}
	b.Click("#mfa-continue")
	if sub, _ := e2etest.SignedInAs(t, b.WaitCallback(rp)); sub != alice {
		t.Fatalf("after enrolment the app shows sub %q", sub)
	}

	// 2. Sign-in with TOTP (a fresh browser). The enrolment's step is
	// spent, so the next step's code (inside the skew) is typed.
	b2 := chrome.NewTab(t) // its own cookie jar: no SSO session
	signIn(b2)
	b2.WaitFor("the MFA page", e2etest.OnPage(s.URL+"/mfa?")+` && document.querySelector('form #code[autocomplete="one-time-code"]')`)
	typeCode(b2, code(secret, enrolled.Add(30*time.Second)))
	if sub, _ := e2etest.SignedInAs(t, b2.WaitCallback(rp)); sub != alice {
		t.Fatalf("after TOTP the app shows sub %q", sub)
	}

	// 3. Sign-in with a backup code, with JavaScript off: the pages need
	// none.
	b3 := chrome.NewTab(t)
	jsctx, cancel := context.WithTimeout(b3.Context(), 5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(jsctx, func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	}); err != nil {
		t.Fatal(err)
	}
	b3.Navigate(`data:text/html,<title>off</title><script>document.title="on"</script>`)
	if title, err := e2etest.Eval[string](b3, `document.title`); err != nil || title != "off" {
		t.Fatalf("JavaScript is not off: title %q (%v)", title, err)
	}
	signIn(b3)
	b3.WaitFor("the MFA page", e2etest.OnPage(s.URL+"/mfa?")+` && document.querySelector('#mfa-switch')`)
	b3.Click("#mfa-switch")
	b3.WaitFor("the backup code form", `document.querySelector('form input[name=method][value=backup]') && document.querySelector('form #code')`)
	typeCode(b3, strings.ToUpper(backup[4]))
	if sub, _ := e2etest.SignedInAs(t, b3.WaitCallback(rp)); sub != alice {
		t.Fatalf("after a backup code the app shows sub %q", sub)
	}
}
