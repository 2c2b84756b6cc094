//go:build e2e

package logto

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser is one headless Chromium with a fresh profile, driven by chromedp.
type browser struct {
	t       testing.TB
	ctx     context.Context
	console *syncBuffer
}

func chromiumPath() string {
	if p := os.Getenv("SESAME_E2E_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

func newBrowser(t testing.TB) *browser {
	t.Helper()
	path := chromiumPath()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Chromium not found at %s (apt-get install -y chromium, or set SESAME_E2E_CHROMIUM): %v", path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	console := &syncBuffer{}
	var logMu sync.Mutex
	logf := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(console, "[chromedp] "+format+"\n", args...)
	}
	ctx, cancel := chromedp.NewContext(allocCtx,
		chromedp.WithErrorf(logf),
		chromedp.WithBrowserOption(chromedp.WithConsolef(func(format string, args ...any) {
			fmt.Fprintf(console, "[console] "+format+"\n", args...)
		})),
	)
	b := &browser{t: t, ctx: ctx, console: console}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("---- browser log ----\n%s---- end of browser log ----", console.String())
		}
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser; it must not have a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return b
}

// do runs steps with a timeout.
func (b *browser) do(timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// eval evaluates a JavaScript expression in the page and decodes the result.
func eval[T any](b *browser, timeout time.Duration, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// state describes the current page for failure messages.
func (b *browser) state() string {
	loc, _ := eval[string](b, 3*time.Second, `location.href`)
	html, err := eval[string](b, 3*time.Second, `document.documentElement ? document.documentElement.outerHTML : ''`)
	if err != nil {
		html = "<unavailable: " + err.Error() + ">"
	}
	if len(html) > 4000 {
		html = html[:4000] + "…"
	}
	return fmt.Sprintf("location: %s\npage:\n%s", loc, html)
}

// stepTimeout bounds each browser step; generous for loaded CI machines.
const stepTimeout = 60 * time.Second

// poll evaluates the JavaScript predicate until it is true or the timeout
// passes. It survives navigations (evaluation errors while a page loads are
// retried).
func (b *browser) poll(timeout time.Duration, predicate string) bool {
	ok, _ := b.pollErr(timeout, predicate)
	return ok
}

func (b *browser) pollErr(timeout time.Duration, predicate string) (bool, error) {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ok, err := eval[bool](b, 2*time.Second, "(() => { try { return !!("+predicate+"); } catch (e) { return false; } })()")
		if err == nil && ok {
			return true, nil
		}
		lastErr = err
		if time.Now().After(deadline) {
			return false, lastErr
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// waitFor is poll that fails the test with the page state on timeout.
func (b *browser) waitFor(what string, timeout time.Duration, predicate string) {
	b.t.Helper()
	start := time.Now()
	if ok, lastErr := b.pollErr(timeout, predicate); !ok {
		b.t.Fatalf("timed out after %s waiting for %s (last error: %v)\n%s", timeout, what, lastErr, b.state())
	}
	b.t.Logf("%s (%s)", what, time.Since(start).Round(time.Millisecond))
}

func (b *browser) navigate(url string) {
	b.t.Helper()
	if err := b.do(30*time.Second, chromedp.Navigate(url)); err != nil {
		b.t.Fatalf("navigate to %s: %v\n%s", url, err, b.state())
	}
}

func (b *browser) location() string {
	b.t.Helper()
	loc, err := eval[string](b, 5*time.Second, `location.href`)
	if err != nil {
		b.t.Fatalf("read location: %v", err)
	}
	return loc
}

func (b *browser) bodyText() string {
	b.t.Helper()
	text, err := eval[string](b, 5*time.Second, `document.body ? document.body.innerText : ''`)
	if err != nil {
		b.t.Fatalf("read body text: %v\n%s", err, b.state())
	}
	return text
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
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
	return fmt.Sprintf(`[...document.querySelectorAll('button')].some(b => b.textContent.trim() === %s && Object.keys(b).some(k => k.startsWith('__reactProps')))`, jsString(label))
}

// clickButton waits for the hydrated button and clicks it with the mouse.
// If `after` (a JavaScript predicate) does not become true within 15 s while
// the button is still on the page, the click is retried (at most 3 clicks):
// under heavy load a click can land before React has wired up the server
// action.
func (b *browser) clickButton(label, after string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for attempt := 1; ; attempt++ {
		b.waitFor("hydrated button "+label, time.Until(deadline), buttonHydrated(label))
		if err := b.do(15*time.Second, chromedp.Click(buttonXPath(label))); err != nil {
			b.t.Fatalf("click %q: %v\n%s", label, err, b.state())
		}
		if attempt == 3 || b.poll(15*time.Second, after) {
			break
		}
		if ok, _ := eval[bool](b, 2*time.Second, buttonHydrated(label)); !ok {
			break // the page moved on; let the caller wait
		}
		b.t.Logf("click on %q had no effect after 15s; clicking again (attempt %d)", label, attempt+1)
	}
}

// signInOnSesame expects Sesame's hosted sign-in page and submits it.
func (b *browser) signInOnSesame(endpoint, username, password string) {
	b.t.Helper()
	b.waitFor("Sesame's sign-in form at "+endpoint, stepTimeout,
		fmt.Sprintf(`location.href.startsWith(%s) && document.querySelector('form #identifier') && document.querySelector('form #password') && document.querySelector('form [type=submit]')`, jsString(endpoint+"/")))
	if err := b.do(15*time.Second,
		chromedp.SendKeys(chromedp.ID("identifier"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("form [type=submit]")),
	); err != nil {
		b.t.Fatalf("fill in the sign-in form: %v\n%s", err, b.state())
	}
}
