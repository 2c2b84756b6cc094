//go:build e2e

package e2etest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// DocEvent is one document (page or frame) request or response seen by a
// tab.
type DocEvent struct {
	URL      string
	FrameID  string
	Main     bool // in the tab's main frame
	Response bool // false: request (including each redirect hop)
	Status   int64
	Headers  network.Headers
}

// Header reads a response header case-insensitively.
func (d DocEvent) Header(name string) string {
	for k, v := range d.Headers {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// Tab is one page of a Chrome. It records every document request and
// response, and its helpers fail the test they report to (see In) with a
// description of the page.
type Tab struct {
	t testing.TB
	*tabState
}

type tabState struct {
	ctx       context.Context
	stateHTML bool

	mu     sync.Mutex
	docs   []DocEvent
	mainID string
}

func newTab(t testing.TB, ctx context.Context) *Tab {
	t.Helper()
	tb := &Tab{t: t, tabState: &tabState{ctx: ctx}}
	tb.mainID = string(chromedp.FromContext(ctx).Target.TargetID) // the main frame's id is the target id
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if e.Type == network.ResourceTypeDocument && e.Request != nil {
				tb.record(DocEvent{URL: e.Request.URL, FrameID: string(e.FrameID)})
			}
		case *network.EventResponseReceived:
			if e.Type == network.ResourceTypeDocument && e.Response != nil {
				tb.record(DocEvent{URL: e.Response.URL, FrameID: string(e.FrameID), Response: true,
					Status: e.Response.Status, Headers: e.Response.Headers})
			}
		}
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return tb
}

func (s *tabState) record(d DocEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Main = d.FrameID == s.mainID
	s.docs = append(s.docs, d)
}

// In returns a view of the tab that reports failures to t (a subtest must
// not call FailNow on its parent).
func (tb *Tab) In(t testing.TB) *Tab { return &Tab{t: t, tabState: tb.tabState} }

// T is the test the tab reports to.
func (tb *Tab) T() testing.TB { return tb.t }

// Context is the tab's chromedp context.
func (tb *Tab) Context() context.Context { return tb.ctx }

// StateHTML makes State show the page's HTML instead of its text.
func (tb *Tab) StateHTML() { tb.stateHTML = true }

// Mark returns a position in the document log; Since reads what followed.
func (tb *Tab) Mark() int {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return len(tb.docs)
}

// Since returns the document events after mark.
func (tb *Tab) Since(mark int) []DocEvent {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]DocEvent(nil), tb.docs[mark:]...)
}

// RequestedURLs lists the document requests (every redirect hop, in every
// frame) after mark.
func (tb *Tab) RequestedURLs(mark int) []string { return tb.requested(mark, false) }

// MainRequestedURLs is RequestedURLs for the main frame only.
func (tb *Tab) MainRequestedURLs(mark int) []string { return tb.requested(mark, true) }

func (tb *Tab) requested(mark int, mainOnly bool) []string {
	var out []string
	for _, d := range tb.Since(mark) {
		if !d.Response && (d.Main || !mainOnly) {
			out = append(out, d.URL)
		}
	}
	return out
}

// LastMainResponse is the last main-frame document response after mark.
func (tb *Tab) LastMainResponse(mark int) (DocEvent, bool) {
	docs := tb.Since(mark)
	for i := len(docs) - 1; i >= 0; i-- {
		if docs[i].Response && docs[i].Main {
			return docs[i], true
		}
	}
	return DocEvent{}, false
}

// Do runs steps with a 15 s timeout.
func (tb *Tab) Do(steps ...chromedp.Action[chromedp.Void]) error {
	return tb.DoWithin(15*time.Second, steps...)
}

// DoWithin runs steps with a timeout.
func (tb *Tab) DoWithin(timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(tb.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// Eval evaluates a JavaScript expression in the page (5 s timeout) and
// decodes the result.
func Eval[T any](tb *Tab, expr string) (T, error) {
	return EvalWithin[T](tb, 5*time.Second, expr)
}

// EvalWithin is Eval with a timeout.
func EvalWithin[T any](tb *Tab, timeout time.Duration, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// State describes the page for failure messages: its location and text
// (or HTML, see StateHTML).
func (tb *Tab) State() string {
	loc, _ := EvalWithin[string](tb, 3*time.Second, `location.href`)
	what, expr, limit := "page text", `document.body ? document.body.innerText : ''`, 2000
	if tb.stateHTML {
		what, expr, limit = "page", `document.documentElement ? document.documentElement.outerHTML : ''`, 4000
	}
	body, err := EvalWithin[string](tb, 3*time.Second, expr)
	if err != nil {
		body = "<unavailable: " + err.Error() + ">"
	}
	if len(body) > limit {
		body = body[:limit] + "…"
	}
	return fmt.Sprintf("location: %s\n%s:\n%s", loc, what, body)
}

// Poll evaluates a JavaScript predicate until it is true or timeout passes
// (at least once). Evaluation errors while a page loads are retried; the
// last one is returned.
func (tb *Tab) Poll(timeout time.Duration, predicate string) (bool, error) {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ok, err := EvalWithin[bool](tb, 2*time.Second, "(() => { try { return !!("+predicate+"); } catch (e) { return false; } })()")
		if err == nil && ok {
			return true, nil
		}
		lastErr = err
		if time.Now().After(deadline) {
			return false, lastErr
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitFor polls a JavaScript predicate for up to 15 s and fails the test
// with the page's state if it does not hold.
func (tb *Tab) WaitFor(what, predicate string) {
	tb.t.Helper()
	tb.WaitForWithin(what, 15*time.Second, predicate)
}

// WaitForWithin is WaitFor with a timeout.
func (tb *Tab) WaitForWithin(what string, timeout time.Duration, predicate string) {
	tb.t.Helper()
	if ok, lastErr := tb.Poll(timeout, predicate); !ok {
		tb.t.Fatalf("timed out after %s waiting for %s (last error: %v)\n%s", timeout, what, lastErr, tb.State())
	}
}

// Navigate loads u (30 s timeout).
func (tb *Tab) Navigate(u string) {
	tb.t.Helper()
	if err := tb.DoWithin(30*time.Second, chromedp.Navigate(u)); err != nil {
		tb.t.Fatalf("navigate to %s: %v\n%s", u, err, tb.State())
	}
}

// Click clicks the element matching the CSS selector sel.
func (tb *Tab) Click(sel string) {
	tb.t.Helper()
	if err := tb.Do(chromedp.Click(chromedp.CSS(sel))); err != nil {
		tb.t.Fatalf("click %s: %v\n%s", sel, err, tb.State())
	}
}

// Location is the page's URL.
func (tb *Tab) Location() *url.URL {
	tb.t.Helper()
	loc, err := Eval[string](tb, `location.href`)
	if err != nil {
		tb.t.Fatalf("read location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		tb.t.Fatalf("parse location %q: %v", loc, err)
	}
	return u
}

// Text is the trimmed innerText of the first element matching the CSS
// selector sel ("" if there is none).
func (tb *Tab) Text(sel string) string {
	tb.t.Helper()
	s, err := Eval[string](tb, fmt.Sprintf(`(document.querySelector(%s) || {innerText: ''}).innerText`, JSString(sel)))
	if err != nil {
		tb.t.Fatalf("read %s: %v\n%s", sel, err, tb.State())
	}
	return strings.TrimSpace(s)
}

// BodyText is the page's text.
func (tb *Tab) BodyText() string {
	tb.t.Helper()
	s, err := Eval[string](tb, `document.body ? document.body.innerText : ''`)
	if err != nil {
		tb.t.Fatalf("read the page text: %v\n%s", err, tb.State())
	}
	return s
}

// JSString quotes s as a JavaScript string literal.
func JSString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// OnPage is a predicate: the document is fully parsed at a URL starting
// with prefix.
func OnPage(prefix string) string {
	return fmt.Sprintf(`location.href.startsWith(%s) && document.readyState !== 'loading'`, JSString(prefix))
}
