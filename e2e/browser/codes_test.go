//go:build e2e

package browser

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/testkit"
)

// TestCodeFlowsInChromium: the three emailed-code flows (registration with
// a code, password reset, sign-in with a code) in Chromium, each once with
// JavaScript on and once with it off, the code read from the mail the
// in-process SMTP server received. No page of them may report a Content
// Security Policy violation.
func TestCodeFlowsInChromium(t *testing.T) {
	mails := testkit.NewSMTPServer(t)
	s := startSesameMail(t, mails)
	rp := e2etest.NewRelyingParty(t, "rp")
	s.registerRP(t, rp, "Code App")
	settings := &signinexp.Service{Store: s.Store, AllowRegistration: true}
	if _, _, err := settings.Update(context.Background(), []byte(`{"signIn":{"methods":[`+
		`{"identifier":"username","password":true},{"identifier":"email","password":true,"verificationCode":true}]}}`)); err != nil {
		t.Fatal(err)
	}
	chrome := e2etest.StartChrome(t)

	t.Run("CSPWatcherSeesViolations", func(t *testing.T) {
		// The watcher below must be able to fail: an inline <style>
		// added by DevTools violates style-src 'self' and is reported.
		b, csp := watchedTab(t, chrome, true)
		b.Navigate(rp.URL + "/login")
		b.WaitSignInForm(s.URL)
		if _, err := e2etest.Eval[bool](b, `(document.head.appendChild(document.createElement('style')).textContent = 'p{}', true)`); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for len(csp()) == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if len(csp()) == 0 {
			t.Fatal("an inline style element raised no CSP report in the console: the watcher sees nothing")
		}
	})

	for _, js := range []bool{true, false} {
		mode, tag := "ScriptOn", "on"
		if !js {
			mode, tag = "ScriptOff", "off"
		}
		t.Run(mode, func(t *testing.T) {
			t.Run("Register", func(t *testing.T) { testRegisterWithCode(t, s, mails, rp, chrome, js, tag) })
			t.Run("Reset", func(t *testing.T) { testResetWithCode(t, s, mails, rp, chrome, js, tag) })
			t.Run("SignInCode", func(t *testing.T) { testSignInWithCode(t, s, mails, rp, chrome, js, tag) })
		})
	}
}

// watchedTab opens a tab, with scripts disabled unless js, that collects
// the console's Content Security Policy reports; csp returns them so far.
// The test fails at its end if any was reported (not for the watcher's own
// test, which reads them itself).
func watchedTab(t *testing.T, chrome *e2etest.Chrome, js bool) (b *e2etest.Tab, csp func() []string) {
	t.Helper()
	b = chrome.NewTab(t)
	var (
		mu      sync.Mutex
		reports []string
	)
	messages := chromedp.Console(b.Context())
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				reports = append(reports, m.Text)
				mu.Unlock()
			}
		}
	}()
	if !js {
		ctx, cancel := context.WithTimeout(b.Context(), 5*time.Second)
		defer cancel()
		if _, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
			return cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		}); err != nil {
			t.Fatalf("disable scripts: %v", err)
		}
		// Prove it: a page's own script must not run.
		b.Navigate(`data:text/html,<title>before</title><script>document.title='ran'</script>`)
		if title, err := e2etest.Eval[string](b, `document.title`); err != nil || title != "before" {
			t.Fatalf("scripts still run with script execution disabled: title %q (%v)", title, err)
		}
	}
	csp = func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), reports...)
	}
	if !strings.HasSuffix(t.Name(), "CSPWatcherSeesViolations") {
		t.Cleanup(func() {
			time.Sleep(200 * time.Millisecond) // reports of the last page arrive after it loaded
			if r := csp(); len(r) > 0 {
				t.Errorf("Content Security Policy violations reported:\n%s", strings.Join(r, "\n"))
			}
		})
	}
	return b, csp
}

// fill types values into the fields with these ids and clicks the form's
// first submit button.
func fill(t *testing.T, b *e2etest.Tab, what string, fields ...string) {
	t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		steps = append(steps, chromedp.Clear(chromedp.ID(fields[i])), chromedp.SendKeys(chromedp.ID(fields[i]), fields[i+1]))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS("form [type=submit]")))
	if err := b.Do(steps...); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, b.State())
	}
}

// clickLink follows the link with this text.
func clickLink(t *testing.T, b *e2etest.Tab, text string) {
	t.Helper()
	if err := b.Do(chromedp.Click(`//a[normalize-space()=` + e2etest.JSString(text) + `]`)); err != nil {
		t.Fatalf("click %q: %v\n%s", text, err, b.State())
	}
}

// waitCodeStep waits for the code step at path and checks its input is a
// labelled one-time-code field.
func waitCodeStep(t *testing.T, b *e2etest.Tab, base, path string) {
	t.Helper()
	b.WaitFor("the code step at "+path, e2etest.OnPage(base+path+"?")+
		` && document.querySelector('form #code[autocomplete="one-time-code"][inputmode="numeric"]')`)
	checkLabelsAtLeast(t, b, path, 1)
}

func testRegisterWithCode(t *testing.T, s *sesame, mails *testkit.SMTPServer, rp *e2etest.RelyingParty, chrome *e2etest.Chrome, js bool, tag string) {
	b, _ := watchedTab(t, chrome, js)
	username, email := "reg-"+tag, "reg-"+tag+"@example.com"
	b.Navigate(rp.URL + "/login")
	b.WaitSignInForm(s.URL)
	clickLink(t, b, "Create account")
	b.WaitFor("the registration form", e2etest.OnPage(s.URL+"/register?")+` && document.querySelector('form #password_confirm')`)
	fill(t, b, "the registration form", "username", username, "email", email,
		"password", "correct horse battery", "password_confirm", "correct horse battery")
	waitCodeStep(t, b, s.URL, "/register/verify")
	if got := b.Text("h1 + p"); !strings.Contains(got, email) {
		t.Errorf("the code step says %q, want it to name %s", got, email)
	}
	if _, err := s.Store.GetUserByLogin(context.Background(), username); err == nil {
		t.Fatal("the account exists before the code was entered")
	}
	code := mails.WaitForCode(t, email, 0)
	// Pasted with a space, as mail clients copy it.
	fill(t, b, "the code", "code", code[:3]+" "+code[3:])
	sub, _ := e2etest.SignedInAs(t, b.WaitCallback(rp))
	u, err := s.Store.GetUserByLogin(context.Background(), username)
	if err != nil || u.ID != sub || u.Email != email || !u.EmailVerified {
		t.Fatalf("after the code the app shows %q; stored user %+v (%v)", sub, u, err)
	}
}

func testResetWithCode(t *testing.T, s *sesame, mails *testkit.SMTPServer, rp *e2etest.RelyingParty, chrome *e2etest.Chrome, js bool, tag string) {
	username, email := "reset-"+tag, "reset-"+tag+"@example.com"
	id := s.createUser(t, username, email, "old password 123")
	// A session from before the reset, in another browser.
	before, _ := watchedTab(t, chrome, js)
	before.Navigate(rp.URL + "/login")
	before.WaitSignInForm(s.URL)
	before.SubmitSignIn(username, "old password 123")
	if sub, _ := e2etest.SignedInAs(t, before.WaitCallback(rp)); sub != id {
		t.Fatalf("before the reset the app shows %q", sub)
	}

	b, _ := watchedTab(t, chrome, js)
	b.Navigate(rp.URL + "/login")
	b.WaitSignInForm(s.URL)
	clickLink(t, b, "Forgot password?")
	b.WaitFor("the address step", e2etest.OnPage(s.URL+"/reset-password?")+` && document.querySelector('form #email[autocomplete="email"]')`)
	checkLabelsAtLeast(t, b, "reset address step", 1)
	fill(t, b, "the address", "email", strings.ToUpper(email))
	waitCodeStep(t, b, s.URL, "/reset-password")
	code := mails.WaitForCode(t, email, 0)
	fill(t, b, "the code and new password", "code", code, "password", "new password 456", "password_confirm", "new password 456")
	// The sign-in form again (answering the POST, at /reset-password), with
	// a notice.
	b.WaitFor("the sign-in form after the reset", e2etest.OnPage(s.URL+"/reset-password?")+
		` && document.querySelector('form #identifier') && document.querySelector('form #password')`)
	if got := b.Text("[role=status]"); !strings.Contains(got, "Your password has been changed") {
		t.Errorf("after the reset the status line says %q", got)
	}
	b.SubmitSignIn(email, "new password 456")
	if sub, _ := e2etest.SignedInAs(t, b.WaitCallback(rp)); sub != id {
		t.Fatalf("after signing in with the new password the app shows %q", sub)
	}
	// The session from before the reset is gone: the other browser sees
	// the sign-in form again, and the old password no longer works.
	before.Navigate(rp.URL + "/login")
	before.WaitSignInFormNotRP(s.URL, rp)
	before.SubmitSignIn(username, "old password 123")
	before.WaitFor("an alert on the sign-in page", e2etest.OnPage(s.URL+"/sign-in?")+` && document.querySelector('[role=alert]')`)
}

func testSignInWithCode(t *testing.T, s *sesame, mails *testkit.SMTPServer, rp *e2etest.RelyingParty, chrome *e2etest.Chrome, js bool, tag string) {
	username, email := "code-"+tag, "code-"+tag+"@example.com"
	id := s.createUser(t, username, email, "some password 789")
	b, _ := watchedTab(t, chrome, js)
	b.Navigate(rp.URL + "/login")
	b.WaitSignInForm(s.URL)
	clickLink(t, b, "Sign in with an emailed code")
	b.WaitFor("the address step", e2etest.OnPage(s.URL+"/sign-in/code?")+` && document.querySelector('form #email[autocomplete="email"]')`)
	checkLabelsAtLeast(t, b, "code sign-in address step", 1)
	fill(t, b, "the address", "email", email)
	waitCodeStep(t, b, s.URL, "/sign-in/code")
	code := mails.WaitForCode(t, email, 0)
	// A wrong code first: an alert, still on the code step.
	wrong := "000000"
	if code == wrong {
		wrong = "000001"
	}
	fill(t, b, "a wrong code", "code", wrong)
	b.WaitFor("the wrong-code alert", e2etest.OnPage(s.URL+"/sign-in/code?")+` && document.querySelector('#code-error[role=alert]') && document.querySelector('#code[aria-invalid=true]')`)
	fill(t, b, "the code", "code", code)
	if sub, _ := e2etest.SignedInAs(t, b.WaitCallback(rp)); sub != id {
		t.Fatalf("after the code the app shows %q, want %q", sub, id)
	}
}
