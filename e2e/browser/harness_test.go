//go:build e2e

// Package browser drives Sesame's core browser flows (sign-in, SSO, prompt
// handling, sign-out, registration, framing and keyboard access) with a real
// headless Chromium through chromedp. Sesame runs in-process on an
// httptest server; two small relying parties written with go-oidc and
// x/oauth2 run on their own httptest servers.
//
// Run from the repository root:
//
//	go test -tags e2e -v ./e2e/browser/
//
// Requirements: Chromium at /usr/bin/chromium (apt-get install -y chromium),
// or its path in SESAME_E2E_CHROMIUM.
package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/cli"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// fastHash keeps argon2id cheap: these tests are about the browser flows.
var fastHash = password.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// syncBuffer is a goroutine-safe log sink, dumped when a test fails.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ---- Sesame ----

type sesame struct {
	URL    string // http://127.0.0.1:<port>
	Issuer string
	Store  *sqlstore.Store
	log    *syncBuffer
}

func startSesame(t testing.TB) *sesame {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlstore.Open(ctx, sqlstore.Options{DataDir: dir})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })

	ts := httptest.NewUnstartedServer(nil)
	addr := ts.Listener.Addr().String()
	cfg := config.Config{
		Addr: addr, Endpoint: "http://" + addr, DataDir: dir, SigningAlg: "ES384",
		LogFormat: "text", LogLevel: "info", AllowRegistration: true, KeyPublishDelay: time.Minute,
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &syncBuffer{}
	srv, err := app.New(ctx, cfg, st, slog.New(slog.NewTextHandler(logs, nil)), app.Options{PasswordParams: fastHash})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close) // runs before st.Close (LIFO)
	s := &sesame{URL: cfg.Endpoint, Issuer: cfg.Issuer(), Store: st, log: logs}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("---- Sesame log ----\n%s---- end of Sesame log ----", logs.String())
		}
	})
	return s
}

// createUser stores a user the way `sesame users create` does and returns its id (the sub).
func (s *sesame) createUser(t testing.TB, username, email, pw string) string {
	t.Helper()
	ctx := context.Background()
	u, err := experience.NewUser(ctx, username, email, pw, fastHash, time.Now().UTC())
	if err != nil {
		t.Fatalf("NewUser: %v", err)
	}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u.ID
}

// registerRP stores rp as a traditional app, the way `sesame apps create`
// does, and connects it to Sesame.
func (s *sesame) registerRP(t testing.TB, rp *relyingParty, name string) {
	t.Helper()
	ctx := context.Background()
	secret := cli.NewSecret()
	c := store.Client{
		ID: cli.NewAppID(), Name: name, Type: store.AppTraditional,
		RedirectURIs: []string{rp.URL + "/callback"}, PostLogoutRedirectURIs: []string{rp.URL + "/"},
		SecretHash: provider.HashSecret(secret), CreatedAt: time.Now().UTC(),
	}
	if err := s.Store.CreateClient(ctx, c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := rp.connect(cctx, s.Issuer, c.ID, secret); err != nil {
		t.Fatalf("connect %s: %v", name, err)
	}
}

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

// waitSignInForm waits until Sesame's sign-in form is shown.
func (tb *tab) waitSignInForm(s *sesame) {
	tb.t.Helper()
	tb.waitFor("Sesame's sign-in form", onPage(s.URL+"/sign-in?")+
		` && document.querySelector('form #identifier') && document.querySelector('form #password') && document.querySelector('form [type=submit]')`)
}

// waitSignInFormNotRP is waitSignInForm after a navigation to rp that must
// show the form: it fails at once if the browser reaches rp's callback
// instead (an SSO session was used where it must not be).
func (tb *tab) waitSignInFormNotRP(s *sesame, rp *relyingParty) {
	tb.t.Helper()
	tb.waitFor("Sesame's sign-in form (or, wrongly, "+rp.name+"'s callback)",
		`(`+onPage(s.URL+"/sign-in?")+` && document.querySelector('form #password')) || (`+onPage(rp.URL+"/callback")+`)`)
	if loc := tb.location(); loc.Path == "/callback" {
		tb.t.Fatalf("the browser went straight to %s (%s) without the sign-in form\n%s", rp.name, loc, tb.state())
	}
	tb.waitSignInForm(s)
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

// waitCallbackDirect is waitCallback for a navigation that must reach the
// RP without user interaction: it fails at once if Sesame's sign-in page
// shows up instead.
func (tb *tab) waitCallbackDirect(rp *relyingParty, s *sesame) string {
	tb.t.Helper()
	tb.waitFor(rp.name+"'s callback page (or, wrongly, the sign-in page)",
		`(`+onPage(rp.URL+"/callback")+` && (document.querySelector('#result') || document.querySelector('#error'))) || (`+
			onPage(s.URL+"/sign-in?")+`)`)
	if loc := tb.location(); loc.Path == "/sign-in" {
		tb.t.Fatalf("the browser shows Sesame's sign-in page (%s), want it to return to %s's callback without interaction", loc, rp.name)
	}
	return tb.waitCallback(rp)
}

// signedInAs parses "Signed in as <sub> auth_time=<n>".
func signedInAs(t testing.TB, shown string) (sub string, authTime int64) {
	t.Helper()
	if _, err := fmt.Sscanf(shown, "Signed in as %s auth_time=%d", &sub, &authTime); err != nil {
		t.Fatalf("the RP shows %q, want \"Signed in as <sub> auth_time=<n>\"", shown)
	}
	return sub, authTime
}

// header reads a response header case-insensitively.
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}
