//go:build e2e

package goapp

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
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

func chromiumPath() string {
	if p := os.Getenv("SESAME_E2E_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// docEvent is one main-frame document request or response seen by the tab.
type docEvent struct {
	URL      string
	Response bool // false: request (including each redirect hop)
	Status   int64
}

// browser is one Chromium process with a fresh profile, and its first tab.
type browser struct {
	t   testing.TB
	ctx context.Context // the tab's chromedp context

	mu     sync.Mutex
	docs   []docEvent
	mainID string
}

func startBrowser(t testing.TB) *browser {
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
		cancelAlloc() // waits for Chromium to exit
	})
	// The first run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	b := &browser{t: t, ctx: ctx, mainID: string(chromedp.FromContext(ctx).Target.TargetID)}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if e.Type == network.ResourceTypeDocument && e.Request != nil && string(e.FrameID) == b.mainID {
				b.record(docEvent{URL: e.Request.URL})
			}
		case *network.EventResponseReceived:
			if e.Type == network.ResourceTypeDocument && e.Response != nil && string(e.FrameID) == b.mainID {
				b.record(docEvent{URL: e.Response.URL, Response: true, Status: e.Response.Status})
			}
		}
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return b
}

func (b *browser) record(d docEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.docs = append(b.docs, d)
}

// mark returns a position in the document log; since reads what followed.
func (b *browser) mark() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.docs)
}

func (b *browser) since(mark int) []docEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]docEvent(nil), b.docs[mark:]...)
}

// requested lists the document requests (every redirect hop) after mark.
func (b *browser) requested(mark int) []string {
	var out []string
	for _, d := range b.since(mark) {
		if !d.Response {
			out = append(out, d.URL)
		}
	}
	return out
}

// lastResponse is the last main-frame document response after mark.
func (b *browser) lastResponse(mark int) (docEvent, bool) {
	docs := b.since(mark)
	for i := len(docs) - 1; i >= 0; i-- {
		if docs[i].Response {
			return docs[i], true
		}
	}
	return docEvent{}, false
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

func eval[T any](b *browser, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// state describes the page for failure messages.
func (b *browser) state() string {
	loc, _ := eval[string](b, `location.href`)
	body, err := eval[string](b, `document.body ? document.body.innerText : ''`)
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
func (b *browser) waitFor(what, predicate string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := eval[bool](b, "(() => { try { return !!("+predicate+"); } catch (e) { return false; } })()")
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("timed out waiting for %s (last error: %v)\n%s", what, lastErr, b.state())
}

func (b *browser) navigate(u string) {
	b.t.Helper()
	if err := b.do(chromedp.Navigate(u)); err != nil {
		b.t.Fatalf("navigate to %s: %v\n%s", u, err, b.state())
	}
}

func (b *browser) click(sel string) {
	b.t.Helper()
	if err := b.do(chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("click %s: %v\n%s", sel, err, b.state())
	}
}

func (b *browser) location() *url.URL {
	b.t.Helper()
	loc, err := eval[string](b, `location.href`)
	if err != nil {
		b.t.Fatalf("read location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("parse location %q: %v", loc, err)
	}
	return u
}

func (b *browser) bodyText() string {
	b.t.Helper()
	s, err := eval[string](b, `document.body ? document.body.innerText : ''`)
	if err != nil {
		b.t.Fatalf("read the page text: %v\n%s", err, b.state())
	}
	return s
}

// allCookies returns every cookie in the browser (Storage.getCookies on the
// browser target: all origins of the default browser context).
func (b *browser) allCookies() []*network.Cookie {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{})
	if err != nil {
		b.t.Fatalf("Storage.getCookies: %v", err)
	}
	return res.Cookies
}

// cookiesFor returns the cookies the browser would send to urls
// (Network.getCookies on the tab).
func (b *browser) cookiesFor(urls ...string) []*network.Cookie {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: urls})
	if err != nil {
		b.t.Fatalf("Network.getCookies: %v", err)
	}
	return res.Cookies
}

func (b *browser) setCookie(p network.SetCookieParams) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.SetCookie, p); err != nil {
		b.t.Fatalf("Network.setCookie %s: %v", p.Name, err)
	}
}

func (b *browser) deleteCookie(name, u string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: name, URL: u}); err != nil {
		b.t.Fatalf("Network.deleteCookies %s: %v", name, err)
	}
}

func findCookie(cs []*network.Cookie, name string) *network.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func cookieNames(cs []*network.Cookie) []string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s (domain %s, path %s, %d bytes)", c.Name, c.Domain, c.Path, len(c.Value)))
	}
	return out
}

func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// onPage is a predicate: the document is fully parsed at a URL starting with prefix.
func onPage(prefix string) string {
	return fmt.Sprintf(`location.href.startsWith(%s) && document.readyState !== 'loading'`, jsString(prefix))
}

// button is a predicate: a submit button with exactly this text inside a
// form posting to action.
func button(action, text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('form[method=post] button[type=submit]')].some(b => b.form.getAttribute('action') === %s && b.textContent.trim() === %s)`,
		jsString(action), jsString(text))
}

// buttonSel is the CSS selector of the submit button of the form posting to action.
func buttonSel(action string) string {
	return fmt.Sprintf(`form[method=post][action=%s] button[type=submit]`, jsString(action))
}

func containsAny(list []string, substr string) bool {
	for _, s := range list {
		if strings.Contains(s, substr) {
			return true
		}
	}
	return false
}
