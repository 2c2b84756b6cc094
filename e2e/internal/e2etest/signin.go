//go:build e2e

package e2etest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// SubmitSignIn fills in and submits Sesame's sign-in form that is on
// screen.
//
// Chromium may answer "Could not find node with given id" (-32000) when
// the DOM that chromedp resolved the fields in was replaced just before
// (the page arrived at the end of a redirect chain): the fields are
// looked up again and filled anew, up to three times.
func (tb *Tab) SubmitSignIn(ident, pw string) {
	tb.t.Helper()
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			time.Sleep(250 * time.Millisecond)
		}
		err = tb.Do(
			chromedp.Clear(chromedp.ID("identifier")),
			chromedp.SendKeys(chromedp.ID("identifier"), ident),
			chromedp.Clear(chromedp.ID("password")),
			chromedp.SendKeys(chromedp.ID("password"), pw),
			chromedp.Click(chromedp.CSS("form [type=submit]")),
		)
		if err == nil || !strings.Contains(err.Error(), "-32000") {
			break
		}
	}
	if err != nil {
		tb.t.Fatalf("fill in the sign-in form: %v\n%s", err, tb.State())
	}
}

// WaitSignInForm waits until the sign-in form of the Sesame at sesameURL
// is shown.
func (tb *Tab) WaitSignInForm(sesameURL string) {
	tb.t.Helper()
	tb.WaitFor("Sesame's sign-in form", OnPage(sesameURL+"/sign-in?")+
		` && document.querySelector('form #identifier') && document.querySelector('form #password') && document.querySelector('form [type=submit]')`)
}

// WaitSignInFormNotRP is WaitSignInForm after a navigation to rp that must
// show the form: it fails at once if the browser reaches rp's callback
// instead (an SSO session was used where it must not be).
func (tb *Tab) WaitSignInFormNotRP(sesameURL string, rp *RelyingParty) {
	tb.t.Helper()
	tb.WaitFor("Sesame's sign-in form (or, wrongly, "+rp.Name+"'s callback)",
		`(`+OnPage(sesameURL+"/sign-in?")+` && document.querySelector('form #password')) || (`+OnPage(rp.URL+"/callback")+`)`)
	if loc := tb.Location(); loc.Path == "/callback" {
		tb.t.Fatalf("the browser went straight to %s (%s) without the sign-in form\n%s", rp.Name, loc, tb.State())
	}
	tb.WaitSignInForm(sesameURL)
}

// WaitCallback waits for rp's callback page and returns what it shows (the
// #result or #error text).
func (tb *Tab) WaitCallback(rp *RelyingParty) string {
	tb.t.Helper()
	tb.WaitFor(rp.Name+"'s callback page", OnPage(rp.URL+"/callback")+` && (document.querySelector('#result') || document.querySelector('#error'))`)
	if s := tb.Text("#result"); s != "" {
		return s
	}
	return tb.Text("#error")
}

// WaitCallbackDirect is WaitCallback for a navigation that must reach rp
// without user interaction: it fails at once if the sign-in page of the
// Sesame at sesameURL shows up instead.
func (tb *Tab) WaitCallbackDirect(rp *RelyingParty, sesameURL string) string {
	tb.t.Helper()
	tb.WaitFor(rp.Name+"'s callback page (or, wrongly, the sign-in page)",
		`(`+OnPage(rp.URL+"/callback")+` && (document.querySelector('#result') || document.querySelector('#error'))) || (`+
			OnPage(sesameURL+"/sign-in?")+`)`)
	if loc := tb.Location(); loc.Path == "/sign-in" {
		tb.t.Fatalf("the browser shows Sesame's sign-in page (%s), want it to return to %s's callback without interaction", loc, rp.Name)
	}
	return tb.WaitCallback(rp)
}

// SignedInAs parses what a RelyingParty's callback shows, "Signed in as
// <sub> auth_time=<n>".
func SignedInAs(t testing.TB, shown string) (sub string, authTime int64) {
	t.Helper()
	if _, err := fmt.Sscanf(shown, "Signed in as %s auth_time=%d", &sub, &authTime); err != nil {
		t.Fatalf("the RP shows %q, want \"Signed in as <sub> auth_time=<n>\"", shown)
	}
	return sub, authTime
}
