//go:build e2e

package browser

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// xssPayload would set window.pwned if the console rendered it as HTML.
const xssPayload = `<script>window.pwned=1</script>"><img src=x onerror="window.pwned=2">`

// lateURIs reaches the Sesame's store once it is started.
type lateURIs struct{ s **sesame }

func (l lateURIs) SetURIs(ctx context.Context, c store.Client, r, lo []string) error {
	return testkit.ClientURIs{Store: (*l.s).Store}.SetURIs(ctx, c, r, lo)
}

// TestConsole drives the admin console in Chromium: sign-in through the
// hosted page, create a Traditional app, fill its redirect URIs on the
// guide page, and sign out; names holding markup run no script.
func TestConsole(t *testing.T) {
	var s *sesame
	s = startSesameWith(t, func(o *app.Options) { o.ConsoleURIs = lateURIs{&s} })
	ctx := context.Background()
	if err := testkit.SeedConsole(ctx, s.Store, s.URL, s.master); err != nil {
		t.Fatal(err)
	}
	root := s.createUser(t, "root", "root@example.com", alicePassword)
	if err := s.Store.AssignUserRole(ctx, root, admin.AdminRoleID); err != nil {
		t.Fatal(err)
	}
	victim := s.createUser(t, "victim", "victim@example.com", bobPassword)
	if _, err := s.Store.UpdateUser(ctx, victim, func(u store.User) (store.User, error) { u.Name = xssPayload; return u, nil }); err != nil {
		t.Fatal(err)
	}
	chrome := e2etest.StartChrome(t)
	b := chrome.NewTab(t)
	var dialogs atomic.Int32
	// A dialog would also block the page and time the test out.
	if err := chromedp.Listen(b.Context(), func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	noScript := func(where string) {
		t.Helper()
		if v, err := e2etest.Eval[string](b, `typeof window.pwned`); err != nil || v != "undefined" {
			t.Fatalf("%s: window.pwned is %s (%v): the payload ran", where, v, err)
		}
	}

	// Sign in through the hosted page.
	b.Navigate(s.URL + "/console/apps/new")
	b.WaitSignInForm(s.URL)
	b.SubmitSignIn("root", alicePassword)
	b.WaitFor("the new-app form", e2etest.OnPage(s.URL+"/console/apps/new")+` && document.querySelector('#name')`)

	// Create a Traditional app whose name holds markup.
	if err := b.Do(
		chromedp.Click(chromedp.CSS(`input[name=type][value=traditional]`)),
		chromedp.SendKeys(chromedp.ID("name"), xssPayload),
	); err != nil {
		t.Fatalf("create app: %v\n%s", err, b.State())
	}
	submit(t, b, `main form`)
	b.WaitFor("the app page with its secret", `document.querySelector('#app-secret')`)
	noScript("app page")
	if h := b.Text("h1"); h != xssPayload {
		t.Errorf("app heading = %q, want the name as text", h)
	}
	appID, secret := b.Text("#app-id"), b.Text("#app-secret")
	if len(appID) < 10 || len(secret) < 20 {
		t.Fatalf("App ID %q, secret %q", appID, secret)
	}
	// The copy buttons come from console.js, allowed by the CSP.
	b.WaitFor("the copy buttons", `document.querySelector('button[data-copy]') && !document.querySelector('button[data-copy]').hidden`)

	// Its guide: fill the redirect URIs inline.
	b.Click(`a[href$="/guide"]`)
	b.WaitFor("the guide", e2etest.OnPage(s.URL+"/console/apps/"+appID+"/guide")+` && document.querySelector('#redirect_uris')`)
	noScript("guide")
	if cfg := b.Text("#guide-config"); !strings.Contains(cfg, appID) || !strings.Contains(cfg, s.URL) || strings.Contains(cfg, secret) {
		t.Errorf("guide config:\n%s", cfg)
	}
	if err := b.Do(
		chromedp.SendKeys(chromedp.ID("redirect_uris"), "http://localhost:3000/callback"),
		chromedp.SendKeys(chromedp.ID("post_logout_redirect_uris"), "http://localhost:3000/"),
	); err != nil {
		t.Fatalf("fill the redirect URIs: %v\n%s", err, b.State())
	}
	submit(t, b, `form:has(#redirect_uris)`)
	b.WaitFor("saved", e2etest.OnPage(s.URL+"/console/apps/"+appID+"/guide?saved=1")+` && document.querySelector('.notice')`)
	c, err := s.Store.GetClient(ctx, appID)
	if err != nil || len(c.RedirectURIs) != 1 || c.RedirectURIs[0] != "http://localhost:3000/callback" ||
		len(c.PostLogoutRedirectURIs) != 1 || c.PostLogoutRedirectURIs[0] != "http://localhost:3000/" {
		t.Fatalf("saved app %+v (%v)", c, err)
	}

	// Users whose names hold markup.
	for _, p := range []string{"/console/users", "/console/users/" + victim, "/console/apps"} {
		b.Navigate(s.URL + p)
		b.WaitFor(p, e2etest.OnPage(s.URL+p)+` && document.querySelector('main h1')`)
		noScript(p)
	}
	if !strings.Contains(b.BodyText(), xssPayload) {
		t.Errorf("the apps list does not show the name as text:\n%s", b.State())
	}

	// Sign out.
	b.Click(`form.console-signout [type=submit]`)
	b.WaitFor("the signed-out page", e2etest.OnPage(s.URL+"/console/signed-out")+` && document.body.innerText.includes('Sign in again')`)
	if ck := e2etest.FindCookie(b.CookiesFor(s.URL+"/console/"), "sesame_console"); ck != nil {
		t.Errorf("console cookie still set: %+v", ck)
	}
	b.Click(`main a.button`)
	b.WaitSignInForm(s.URL)
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d dialogs opened", n)
	}
}

// submit submits the form matching sel as its submit button would.
func submit(t *testing.T, b *e2etest.Tab, sel string) {
	t.Helper()
	if _, err := e2etest.Eval[bool](b, `(document.querySelector(`+e2etest.JSString(sel)+`).requestSubmit(), true)`); err != nil {
		t.Fatalf("submit %s: %v\n%s", sel, err, b.State())
	}
}
