//go:build e2e

package browser

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
)

const (
	alicePassword = "correct horse battery staple"
	bobPassword   = "tr0ub4dor&3-but-longer"
)

// world is what every subtest shares: one Sesame, two RPs, one Chromium.
type world struct {
	sesame   *sesame
	rp1, rp2 *e2etest.RelyingParty
	alice    string // alice's sub
	chrome   *e2etest.Chrome
}

func TestBrowser(t *testing.T) {
	start := time.Now()
	w := &world{sesame: startSesame(t)}
	w.rp1 = e2etest.NewRelyingParty(t, "rp1")
	w.rp2 = e2etest.NewRelyingParty(t, "rp2")
	w.sesame.registerRP(t, w.rp1, "RP One")
	w.sesame.registerRP(t, w.rp2, "RP Two")
	w.alice = w.sesame.createUser(t, "alice", "alice@example.com", alicePassword)
	w.chrome = e2etest.StartChrome(t)
	t.Logf("setup took %s (Sesame %s, RP1 %s, RP2 %s)", time.Since(start).Round(time.Millisecond), w.sesame.URL, w.rp1.URL, w.rp2.URL)

	t.Run("Session", w.testSession)
	t.Run("WrongPasswordAndRegistration", w.testWrongPasswordAndRegistration)
	t.Run("SecurityHeadersAndFraming", w.testSecurity)
	t.Run("Accessibility", w.testAccessibility)
}

// testSession walks one browser through sign-in, SSO, prompt=none,
// prompt=login and sign-out. Each step depends on the one before, so the
// first failure stops the walk.
func (w *world) testSession(t *testing.T) {
	s, rp1, rp2 := w.sesame, w.rp1, w.rp2
	shared := w.chrome.NewTab(t)
	var authTime1 int64

	steps := []struct {
		name string
		run  func(t *testing.T, b *e2etest.Tab)
	}{
		{"1_SignIn", func(t *testing.T, b *e2etest.Tab) {
			m := b.Mark()
			b.Navigate(rp1.URL + "/login")
			b.WaitSignInForm(s.URL)
			loc := b.Location()
			if loc.Host != strings.TrimPrefix(s.URL, "http://") || loc.Path != "/sign-in" {
				t.Fatalf("after RP1 /login the browser is at %s, want Sesame's /sign-in", loc)
			}
			if title, err := e2etest.Eval[string](b, `document.title`); err != nil || !strings.Contains(title, "Sign in") {
				t.Errorf("sign-in page title = %q (%v), want it to contain \"Sign in\"", title, err)
			}
			if app := b.Text(".subtitle"); !strings.Contains(app, "RP One") {
				t.Errorf("sign-in page subtitle = %q, want it to name the app \"RP One\"", app)
			}
			// The navigation recorder must see the hosted page, or the SSO
			// assertion below ("no /sign-in request") would prove nothing.
			if !requested(b.RequestedURLs(m), s.URL+"/sign-in") {
				t.Fatalf("navigation recorder missed the sign-in page; saw %q", b.RequestedURLs(m))
			}
			b.SubmitSignIn("alice", alicePassword)
			sub, at := e2etest.SignedInAs(t, b.WaitCallback(rp1))
			if sub != w.alice {
				t.Fatalf("RP1 shows sub %q, want alice's %q", sub, w.alice)
			}
			if now := time.Now().Unix(); at < now-60 || at > now+1 {
				t.Fatalf("auth_time %d is not about now (%d)", at, now)
			}
			authTime1 = at
		}},
		{"2_SSO", func(t *testing.T, b *e2etest.Tab) {
			m := b.Mark()
			b.Navigate(rp2.URL + "/login")
			sub, _ := e2etest.SignedInAs(t, b.WaitCallbackDirect(rp2, s.URL))
			if sub != w.alice {
				t.Fatalf("RP2 shows sub %q, want alice's %q", sub, w.alice)
			}
			urls := b.RequestedURLs(m)
			if !requested(urls, s.Issuer+"/auth?") {
				t.Fatalf("RP2's sign-in did not go through Sesame's authorization endpoint: %q", urls)
			}
			if requested(urls, s.URL+"/sign-in") {
				t.Fatalf("SSO showed the sign-in page again; navigations: %q", urls)
			}
		}},
		{"3_PromptNone", func(t *testing.T, b *e2etest.Tab) {
			m := b.Mark()
			b.Navigate(rp2.URL + "/login?prompt=none")
			sub, _ := e2etest.SignedInAs(t, b.WaitCallbackDirect(rp2, s.URL))
			if sub != w.alice {
				t.Fatalf("prompt=none: RP2 shows sub %q, want %q", sub, w.alice)
			}
			if urls := b.RequestedURLs(m); requested(urls, s.URL+"/sign-in") {
				t.Fatalf("prompt=none showed the sign-in page: %q", urls)
			}

			// A browser that never signed in: new process, new user-data-dir.
			fresh := e2etest.StartChrome(t).NewTab(t)
			m = fresh.Mark()
			fresh.Navigate(rp2.URL + "/login?prompt=none")
			if got := fresh.WaitCallbackDirect(rp2, s.URL); got != "Error: login_required" {
				t.Fatalf("prompt=none in a fresh browser: RP2 shows %q, want \"Error: login_required\"", got)
			}
			if urls := fresh.RequestedURLs(m); requested(urls, s.URL+"/sign-in") {
				t.Fatalf("prompt=none showed the sign-in page: %q", urls)
			}
		}},
		{"4_PromptLogin", func(t *testing.T, b *e2etest.Tab) {
			time.Sleep(1100 * time.Millisecond) // auth_time has one-second resolution
			b.Navigate(rp1.URL + "/login?prompt=login")
			b.WaitSignInFormNotRP(s.URL, rp1) // shown although the browser has an SSO session
			b.SubmitSignIn("alice", alicePassword)
			sub, at := e2etest.SignedInAs(t, b.WaitCallback(rp1))
			if sub != w.alice {
				t.Fatalf("RP1 shows sub %q, want %q", sub, w.alice)
			}
			if at <= authTime1 {
				t.Fatalf("auth_time after prompt=login = %d, want > %d (the first sign-in)", at, authTime1)
			}
		}},
		{"5_SignOut", func(t *testing.T, b *e2etest.Tab) {
			m := b.Mark()
			b.Navigate(rp1.URL + "/logout")
			b.WaitFor("RP1's home page after sign-out", e2etest.OnPage(rp1.URL+"/")+` && document.querySelector('#home')`)
			loc := b.Location()
			if loc.Path != "/" {
				t.Fatalf("after sign-out the browser is at %s, want RP1's /", loc)
			}
			if want := rp1.LastLogoutState(); want == "" || loc.Query().Get("state") != want {
				t.Fatalf("post-logout redirect state = %q, want the RP's %q", loc.Query().Get("state"), want)
			}
			if got := b.Text("#logout"); got != "Signed out, state ok" {
				t.Fatalf("RP1 home shows %q, want \"Signed out, state ok\"", got)
			}
			if urls := b.RequestedURLs(m); !requested(urls, s.Issuer+"/session/end?") {
				t.Fatalf("sign-out did not go through Sesame's end_session_endpoint: %q", urls)
			}

			b.Navigate(rp2.URL + "/login?prompt=none")
			if got := b.WaitCallbackDirect(rp2, s.URL); got != "Error: login_required" {
				t.Fatalf("prompt=none after sign-out: RP2 shows %q, want \"Error: login_required\"", got)
			}
			b.Navigate(rp1.URL + "/login")
			b.WaitSignInFormNotRP(s.URL, rp1)
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, func(t *testing.T) { st.run(t, shared.In(t)) }) {
			t.Fatalf("step %s failed; skipping the rest of the session walk", st.name)
		}
	}
}

// requested reports whether one of urls starts with prefix.
func requested(urls []string, prefix string) bool {
	return slices.ContainsFunc(urls, func(u string) bool { return strings.HasPrefix(u, prefix) })
}

// testWrongPasswordAndRegistration: a wrong password keeps the user on the
// sign-in page with an alert; the "Create account" link leads to a working
// registration that signs the new user in.
func (w *world) testWrongPasswordAndRegistration(t *testing.T) {
	s, rp1, rp2 := w.sesame, w.rp1, w.rp2
	b := w.chrome.NewTab(t)
	b.Navigate(rp1.URL + "/login")
	b.WaitSignInForm(s.URL)
	signInURL := b.Location().String()

	b.SubmitSignIn("alice", "not the password")
	b.WaitFor("an alert on the sign-in page", e2etest.OnPage(s.URL+"/sign-in?")+` && document.querySelector('[role=alert]')`)
	if got := b.Text("[role=alert]"); !strings.Contains(got, "Incorrect username, email or password") {
		t.Errorf("alert says %q, want it to explain the credentials are wrong", got)
	}
	if loc := b.Location(); loc.Path != "/sign-in" || loc.String() != signInURL {
		t.Errorf("after a wrong password the browser is at %s, want to stay on %s", loc, signInURL)
	}
	if got, _ := e2etest.Eval[bool](b, `!!document.querySelector('form #password') && document.querySelector('#password').value === ''`); !got {
		t.Errorf("the password field is missing or not emptied after a wrong password\n%s", b.State())
	}
	if got, _ := e2etest.Eval[string](b, `document.querySelector('#identifier').value`); got != "alice" {
		t.Errorf("identifier field = %q after a wrong password, want it kept (\"alice\")", got)
	}
	if got, _ := e2etest.Eval[string](b, `document.querySelector('#password').getAttribute('aria-describedby') || ''`); got != "signin-error" {
		t.Errorf("password field aria-describedby = %q, want it to point at the alert (signin-error)", got)
	}

	// The registration link.
	if err := b.Do(chromedp.Click(`//a[normalize-space()='Create account']`)); err != nil {
		t.Fatalf("click \"Create account\": %v\n%s", err, b.State())
	}
	b.WaitFor("the registration form", e2etest.OnPage(s.URL+"/register?")+
		` && document.querySelector('form #username') && document.querySelector('form #password_confirm')`)
	if title, _ := e2etest.Eval[string](b, `document.title`); !strings.Contains(title, "Create account") {
		t.Errorf("registration page title = %q, want it to contain \"Create account\"", title)
	}
	if err := b.Do(
		chromedp.SendKeys(chromedp.ID("username"), "bob"),
		chromedp.SendKeys(chromedp.ID("email"), "bob@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), bobPassword),
		chromedp.SendKeys(chromedp.ID("password_confirm"), bobPassword),
		chromedp.Click(chromedp.CSS("form [type=submit]")),
	); err != nil {
		t.Fatalf("fill in the registration form: %v\n%s", err, b.State())
	}
	sub, _ := e2etest.SignedInAs(t, b.WaitCallback(rp1))
	bob, err := s.Store.GetUserByLogin(context.Background(), "bob")
	if err != nil {
		t.Fatalf("the new account is not in the store: %v", err)
	}
	if sub != bob.ID || sub == w.alice {
		t.Fatalf("after registration RP1 shows sub %q, want bob's %q", sub, bob.ID)
	}
	if bob.Email != "bob@example.com" {
		t.Errorf("bob's email = %q", bob.Email)
	}
	// Registration started an SSO session for bob.
	b.Navigate(rp2.URL + "/login?prompt=none")
	if sub2, _ := e2etest.SignedInAs(t, b.WaitCallbackDirect(rp2, s.URL)); sub2 != bob.ID {
		t.Fatalf("SSO after registration: RP2 shows sub %q, want bob's %q", sub2, bob.ID)
	}
}

// directives splits a CSP header into directive name → value.
func directives(csp string) map[string]string {
	out := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[strings.ToLower(f[0])] = strings.Join(f[1:], " ")
		}
	}
	return out
}

// testSecurity: the sign-in page forbids framing (CSP frame-ancestors and
// X-Frame-Options), and Chromium indeed refuses to render it in an iframe of
// another origin while it renders an unprotected page in the same spot.
func (w *world) testSecurity(t *testing.T) {
	s, rp1, rp2 := w.sesame, w.rp1, w.rp2

	t.Run("HeadersInBrowser", func(t *testing.T) {
		b := w.chrome.NewTab(t)
		m := b.Mark()
		b.Navigate(rp1.URL + "/login")
		b.WaitSignInForm(s.URL)
		var resp *e2etest.DocEvent
		for _, d := range b.Since(m) {
			if d.Response && d.Main && strings.HasPrefix(d.URL, s.URL+"/sign-in?") {
				resp = &d
			}
		}
		if resp == nil {
			t.Fatalf("no response for the sign-in page was captured: %+v", b.Since(m))
		}
		checkFramingHeaders(t, resp.Status, resp.Header("Content-Security-Policy"), resp.Header("X-Frame-Options"))
	})

	// Catalogue UI-04: attacker-controlled values that Sesame renders
	// (login_hint in the sign-in form, client_id and redirect_uri on error
	// pages, state on the sign-out page, the interaction id) must reach
	// the DOM as text. The payload would add an element with a data-xss
	// attribute, or set window.__xss from a script or an event handler.
	t.Run("ReflectedXSS", func(t *testing.T) {
		const payload = `"'><b data-xss=1>x</b><script>window.__xss=1</script><img src=x onerror="window.__xss=1"><svg/onload=window.__xss=1>`
		b := w.chrome.NewTab(t)
		auth := func(extra url.Values) string {
			v := url.Values{"client_id": {rp1.ClientID}, "redirect_uri": {rp1.URL + "/callback"}, "response_type": {"code"},
				"scope": {"openid"}, "state": {"s"}}
			for k, x := range extra {
				v[k] = x
			}
			return s.Issuer + "/auth?" + v.Encode()
		}
		for name, u := range map[string]string{
			"login_hint":           auth(url.Values{"login_hint": {payload}}),
			"unknown client_id":    auth(url.Values{"client_id": {payload}}),
			"bad redirect_uri":     auth(url.Values{"redirect_uri": {"https://evil.example/" + payload}}),
			"sign-out state":       s.Issuer + "/session/end?state=" + url.QueryEscape(payload),
			"interaction id":       s.URL + "/sign-in?interaction=" + url.QueryEscape(payload),
			"javascript: redirect": auth(url.Values{"redirect_uri": {"javascript:window.__xss=1"}}),
		} {
			b.Navigate(u)
			b.WaitFor(name+": the page", `document.readyState === "complete" && document.body && document.body.innerText.length > 0`)
			time.Sleep(100 * time.Millisecond) // let any injected handler fire
			if bad, err := e2etest.Eval[bool](b, `!!document.querySelector('[data-xss]') || window.__xss !== undefined`); err != nil || bad {
				t.Errorf("%s: the payload became markup or ran (err %v)\n%s", name, err, b.State())
			}
			if name == "login_hint" {
				if v, _ := e2etest.Eval[string](b, `(document.querySelector('input[name=identifier]') || {}).value || ""`); v != payload {
					t.Errorf("login_hint: the identifier field holds %q, want the hint as text", v)
				}
			}
		}
	})

	t.Run("HeadersPlainHTTP", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
		resp, err := c.Get(rp1.URL + "/login") // follows RP → /oidc/auth → /sign-in
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.URL.Path != "/sign-in" {
			t.Fatalf("plain GET of RP1 /login ended at %s, want /sign-in", resp.Request.URL)
		}
		checkFramingHeaders(t, int64(resp.StatusCode), resp.Header.Get("Content-Security-Policy"), resp.Header.Get("X-Frame-Options"))
	})

	t.Run("NotRenderedInCrossOriginIframe", func(t *testing.T) {
		b := w.chrome.NewTab(t)
		// RP2's page frames RP1's /login (which lands on Sesame's sign-in
		// page) and, as a control, RP1's unprotected home page.
		rp2.SetFrame(rp1.URL+"/login", rp1.URL+"/")
		b.Navigate(rp2.URL + "/frame")

		// Poll until both frames have settled: the control page's content is
		// in the DOM, and the Sesame frame has committed either the sign-in
		// page or Chromium's error page for it.
		var sesameFrame *cdp.Frame
		var home, password bool
		deadline := time.Now().Add(10 * time.Second)
		for {
			tree, err := frameTree(b)
			if err != nil {
				t.Fatalf("frame tree: %v", err)
			}
			sesameFrame = nil
			for _, c := range tree.ChildFrames {
				if c.Frame.URL != rp1.URL+"/" { // not the control
					sesameFrame = c.Frame
				}
			}
			if home, password, err = frameContent(b); err != nil {
				t.Fatalf("inspect frames: %v", err)
			}
			settled := sesameFrame != nil &&
				(strings.HasPrefix(sesameFrame.URL, s.URL+"/sign-in?") || sesameFrame.UnreachableURL != "")
			if home && settled {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("frames did not settle: control rendered=%v, Sesame frame=%+v", home, sesameFrame)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("framed sign-in: url=%s unreachable=%s", sesameFrame.URL, sesameFrame.UnreachableURL)
		if strings.HasPrefix(sesameFrame.URL, s.URL+"/sign-in") || password {
			t.Fatalf("the sign-in page rendered inside a cross-origin iframe (frame url %s, password field in DOM: %v)", sesameFrame.URL, password)
		}
		if !strings.HasPrefix(sesameFrame.UnreachableURL, s.URL+"/sign-in?") {
			t.Fatalf("the framed page that failed is %q, want Sesame's sign-in page (did the flow break earlier?)", sesameFrame.UnreachableURL)
		}
	})
}

// frameContent walks the DOM of the page and its frames and reports whether
// it holds an element with id "home" and a password input.
func frameContent(b *e2etest.Tab) (home, password bool, err error) {
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Second)
	defer cancel()
	root, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (*cdp.Node, error) {
		depth, pierce := int64(-1), true
		res, err := cdp.Call(ctx, tg, dom.GetDocument, dom.GetDocumentParams{Depth: &depth, Pierce: &pierce})
		if err != nil {
			return nil, err
		}
		return res.Root, nil
	})
	if err != nil {
		return false, false, err
	}
	var walk func(n *cdp.Node)
	walk = func(n *cdp.Node) {
		if n == nil {
			return
		}
		for i := 0; i+1 < len(n.Attributes); i += 2 {
			k, v := n.Attributes[i], n.Attributes[i+1]
			if k == "id" && v == "home" {
				home = true
			}
			if n.LocalName == "input" && k == "type" && v == "password" {
				password = true
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
		walk(n.ContentDocument)
		for _, c := range n.ShadowRoots {
			walk(c)
		}
	}
	walk(root)
	return home, password, nil
}

func checkFramingHeaders(t *testing.T, status int64, csp, xfo string) {
	t.Helper()
	if status != 200 {
		t.Errorf("sign-in page status = %d, want 200", status)
	}
	d := directives(csp)
	if got, ok := d["frame-ancestors"]; !ok || got != "'none'" {
		t.Errorf("Content-Security-Policy = %q: frame-ancestors is %q, want 'none'", csp, got)
	}
	if !strings.EqualFold(xfo, "DENY") {
		t.Errorf("X-Frame-Options = %q, want DENY", xfo)
	}
}

func frameTree(b *e2etest.Tab) (*page.FrameTree, error) {
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Second)
	defer cancel()
	return chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (*page.FrameTree, error) {
		res, err := cdp.Call(ctx, tg, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		return res.FrameTree, nil
	})
}

// testAccessibility: keyboard order and labels on the hosted pages.
func (w *world) testAccessibility(t *testing.T) {
	s, rp1 := w.sesame, w.rp1
	b := w.chrome.NewTab(t)
	b.Navigate(rp1.URL + "/login")
	b.WaitSignInForm(s.URL)

	active := `(() => { const a = document.activeElement; if (!a) return ''; ` +
		`if (a.matches('form [type=submit]')) return 'submit'; return a.id || a.tagName; })()`
	focus := func() string {
		t.Helper()
		got, err := e2etest.Eval[string](b, active)
		if err != nil {
			t.Fatalf("read activeElement: %v", err)
		}
		return got
	}
	// autofocus puts the caret in the identifier field; focus it anyway so
	// the Tab order is what is under test.
	if err := b.Do(chromedp.Focus(chromedp.ID("identifier"))); err != nil {
		t.Fatal(err)
	}
	if got := focus(); got != "identifier" {
		t.Fatalf("focus is on %q, want identifier", got)
	}
	for _, want := range []string{"password", "submit"} {
		if err := b.Do(chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		if got := focus(); got != want {
			t.Fatalf("after Tab the focus is on %q, want %s", got, want)
		}
	}

	checkLabels(t, b, "sign-in page")
	if err := b.Do(chromedp.Click(`//a[normalize-space()='Create account']`)); err != nil {
		t.Fatalf("click \"Create account\": %v", err)
	}
	b.WaitFor("the registration form", e2etest.OnPage(s.URL+"/register?")+` && document.querySelector('form #username')`)
	checkLabels(t, b, "registration page")
}

// checkLabels asserts that every visible form control has a non-empty
// accessible label (a <label> or aria-label/aria-labelledby).
func checkLabels(t *testing.T, b *e2etest.Tab, where string) {
	t.Helper()
	checkLabelsAtLeast(t, b, where, 2)
}

// checkLabelsAtLeast is checkLabels for a page with at least min visible
// inputs.
func checkLabelsAtLeast(t *testing.T, b *e2etest.Tab, where string, min int) {
	t.Helper()
	unlabeled, err := e2etest.Eval[[]string](b, `[...document.querySelectorAll('input, select, textarea')]
		.filter(el => el.type !== 'hidden')
		.filter(el => {
			const text = [...(el.labels || [])].map(l => l.textContent.trim()).join('') ||
				(el.getAttribute('aria-label') || '').trim() ||
				(el.getAttribute('aria-labelledby') || '').split(/\s+/).map(id => (document.getElementById(id) || {textContent: ''}).textContent.trim()).join('');
			return text === '';
		})
		.map(el => el.id || el.name || el.outerHTML)`)
	if err != nil {
		t.Fatalf("%s: inspect labels: %v", where, err)
	}
	if len(unlabeled) > 0 {
		t.Errorf("%s: inputs without a label: %q", where, unlabeled)
	}
	n, err := e2etest.Eval[int](b, `document.querySelectorAll('input:not([type=hidden])').length`)
	if err != nil || n < min {
		t.Fatalf("%s: found %d visible inputs (%v), the label check inspected nothing", where, n, err)
	}
}
