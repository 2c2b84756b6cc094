//go:build e2e

package logto

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
)

// browser is the first tab of a headless Chromium with a fresh profile.
type browser struct{ *e2etest.Tab }

func newBrowser(t testing.TB) *browser {
	t.Helper()
	tab := e2etest.StartChrome(t).FirstTab(t)
	tab.StateHTML()
	return &browser{tab}
}

// stepTimeout bounds each browser step; generous for loaded CI machines.
const stepTimeout = 60 * time.Second

// waitFor polls the JavaScript predicate until it is true, and fails the
// test with the page state on timeout; it logs how long it waited.
func (b *browser) waitFor(what string, timeout time.Duration, predicate string) {
	b.T().Helper()
	start := time.Now()
	b.WaitForWithin(what, timeout, predicate)
	b.T().Logf("%s (%s)", what, time.Since(start).Round(time.Millisecond))
}

// buttonXPath selects a button by its exact (trimmed) text.
func buttonXPath(label string) string {
	return fmt.Sprintf(`//button[normalize-space()=%s]`, xpathLiteral(label))
}

func xpathLiteral(s string) string {
	if !strings.Contains(s, `'`) {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}

// buttonHydrated is a predicate that is true when a button with the label is
// present and React has attached its props (so a click reaches onClick).
func buttonHydrated(label string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('button')].some(b => b.textContent.trim() === %s && Object.keys(b).some(k => k.startsWith('__reactProps')))`, e2etest.JSString(label))
}

// clickButton waits for the hydrated button and clicks it with the mouse.
// If `after` (a JavaScript predicate) does not become true within 15 s while
// the button is still on the page, the click is retried (at most 3 clicks):
// under heavy load a click can land before React has wired up the server
// action.
func (b *browser) clickButton(label, after string) {
	b.T().Helper()
	deadline := time.Now().Add(stepTimeout)
	for attempt := 1; ; attempt++ {
		b.waitFor("hydrated button "+label, time.Until(deadline), buttonHydrated(label))
		if err := b.DoWithin(15*time.Second, chromedp.Click(buttonXPath(label))); err != nil {
			b.T().Fatalf("click %q: %v\n%s", label, err, b.State())
		}
		if attempt == 3 {
			break
		}
		if ok, _ := b.Poll(15*time.Second, after); ok {
			break
		}
		if ok, _ := e2etest.EvalWithin[bool](b.Tab, 2*time.Second, buttonHydrated(label)); !ok {
			break // the page moved on; let the caller wait
		}
		b.T().Logf("click on %q had no effect after 15s; clicking again (attempt %d)", label, attempt+1)
	}
}

// signInOnSesame expects Sesame's hosted sign-in page and submits it.
func (b *browser) signInOnSesame(endpoint, username, password string) {
	b.T().Helper()
	b.waitFor("Sesame's sign-in form at "+endpoint, stepTimeout,
		fmt.Sprintf(`location.href.startsWith(%s) && document.querySelector('form #identifier') && document.querySelector('form #password') && document.querySelector('form [type=submit]')`, e2etest.JSString(endpoint+"/")))
	b.SubmitSignIn(username, password)
}
