//go:build e2e

package scale

// Chromium harness, copied from e2e/browser/harness_test.go (launch flags,
// one browser context per tab, document event log).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// ---- Chromium ----

func chromiumPath() string {
	if p := os.Getenv("SESAME_E2E_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// chrome is one Chromium process with a fresh profile.
type chrome struct {
	ctx context.Context // browser-level chromedp context (its first tab stays blank)
	log *syncBuffer
}

func startChrome(t testing.TB) *chrome {
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
	logs := &syncBuffer{}
	ctx, cancel := chromedp.NewContext(allocCtx,
		chromedp.WithErrorf(func(format string, args ...any) { fmt.Fprintf(logs, "[chromedp] "+format+"\n", args...) }),
	)
	t.Cleanup(func() {
		if t.Failed() && logs.String() != "" {
			t.Logf("---- chromedp log ----\n%s---- end of chromedp log ----", logs.String())
		}
		cancel()
		cancelAlloc() // waits for the process to exit and removes nothing else
	})
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &chrome{ctx: ctx, log: logs}
}

// docEvent is one document (page or frame) request or response seen by the tab.
type docEvent struct {
	URL      string
	FrameID  string
	Main     bool // in the tab's main frame
	Response bool // false: request (including each redirect hop)
	Status   int64
	Headers  network.Headers
}

// tab is one page in its own browser context (its own cookie jar), so the
// tabs of one Chromium are as isolated from each other as separate profiles.
type tab struct {
	t testing.TB // the test that Fatalf reports to; see in
	*tabState
}

type tabState struct {
	ctx    context.Context
	mu     sync.Mutex
	docs   []docEvent
	mainID string
}

// in returns a view of the tab that reports failures to t (a subtest must not
// call FailNow on its parent).
func (tb *tab) in(t testing.TB) *tab { return &tab{t: t, tabState: tb.tabState} }

func (c *chrome) newTab(t testing.TB) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(c.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, tabState: &tabState{ctx: ctx}}
	if err := chromedp.Do(ctx); err != nil { // open the target
		t.Fatalf("open tab: %v", err)
	}
	tb.mainID = string(chromedp.FromContext(ctx).Target.TargetID)
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if e.Type == network.ResourceTypeDocument && e.Request != nil {
				tb.record(docEvent{URL: e.Request.URL, FrameID: string(e.FrameID)})
			}
		case *network.EventResponseReceived:
			if e.Type == network.ResourceTypeDocument && e.Response != nil {
				tb.record(docEvent{URL: e.Response.URL, FrameID: string(e.FrameID), Response: true,
					Status: e.Response.Status, Headers: e.Response.Headers})
			}
		}
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return tb
}

func (tb *tabState) record(d docEvent) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	d.Main = d.FrameID == tb.mainID // the main frame's id is the target id
	tb.docs = append(tb.docs, d)
}

// mark returns a position in the document log; since reads what followed.
func (tb *tab) mark() int {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return len(tb.docs)
}

func (tb *tab) since(mark int) []docEvent {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]docEvent(nil), tb.docs[mark:]...)
}

// requestedURLs lists the document requests (every redirect hop) after mark.
func (tb *tab) requestedURLs(mark int) []string {
	var out []string
	for _, d := range tb.since(mark) {
		if !d.Response {
			out = append(out, d.URL)
		}
	}
	return out
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

func eval[T any](tb *tab, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// state describes the page for failure messages.
func (tb *tab) state() string {
	loc, _ := eval[string](tb, `location.href`)
	body, err := eval[string](tb, `document.body ? document.body.innerText : ''`)
	if err != nil {
		body = "<unavailable: " + err.Error() + ">"
	}
	if len(body) > 2000 {
		body = body[:2000] + "…"
	}
	return fmt.Sprintf("location: %s\npage text:\n%s", loc, body)
}

// waitFor polls a JavaScript predicate until it holds; evaluation errors
// while a page is loading are retried.
func (tb *tab) waitFor(what, predicate string) {
	tb.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := eval[bool](tb, "(() => { try { return !!("+predicate+"); } catch (e) { return false; } })()")
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	tb.t.Fatalf("timed out waiting for %s (last error: %v)\n%s", what, lastErr, tb.state())
}

func (tb *tab) navigate(u string) {
	tb.t.Helper()
	if err := tb.do(chromedp.Navigate(u)); err != nil {
		tb.t.Fatalf("navigate to %s: %v\n%s", u, err, tb.state())
	}
}

func (tb *tab) location() *url.URL {
	tb.t.Helper()
	loc, err := eval[string](tb, `location.href`)
	if err != nil {
		tb.t.Fatalf("read location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		tb.t.Fatalf("parse location %q: %v", loc, err)
	}
	return u
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := eval[string](tb, fmt.Sprintf(`(document.querySelector(%s) || {innerText: ''}).innerText`, jsString(sel)))
	if err != nil {
		tb.t.Fatalf("read %s: %v\n%s", sel, err, tb.state())
	}
	return strings.TrimSpace(s)
}

func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// onPage is a predicate: the document is fully parsed at a URL starting with prefix.
func onPage(prefix string) string {
	return fmt.Sprintf(`location.href.startsWith(%s) && document.readyState !== 'loading'`, jsString(prefix))
}

// signedInAs parses "Signed in as <sub> auth_time=<n>".
func signedInAs(t testing.TB, shown string) (sub string, authTime int64) {
	t.Helper()
	if _, err := fmt.Sscanf(shown, "Signed in as %s auth_time=%d", &sub, &authTime); err != nil {
		t.Fatalf("the RP shows %q, want \"Signed in as <sub> auth_time=<n>\"", shown)
	}
	return sub, authTime
}

// submitSignIn fills in and submits the sign-in form that is on screen.
func (tb *tab) submitSignIn(ident, pw string) {
	tb.t.Helper()
	if err := tb.do(
		chromedp.Clear(chromedp.ID("identifier")),
		chromedp.SendKeys(chromedp.ID("identifier"), ident),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.CSS("form [type=submit]")),
	); err != nil {
		tb.t.Fatalf("fill in the sign-in form: %v\n%s", err, tb.state())
	}
}

// waitCallback waits for the RP's callback page and returns what it shows
// (the #result or #error text).
func (tb *tab) waitCallback(rp *relyingParty) string {
	tb.t.Helper()
	tb.waitFor(rp.name+"'s callback page", onPage(rp.URL+"/callback")+` && (document.querySelector('#result') || document.querySelector('#error'))`)
	if s := tb.text("#result"); s != "" {
		return s
	}
	return tb.text("#error")
}
