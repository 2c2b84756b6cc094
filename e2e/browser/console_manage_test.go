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
	"github.com/sesameauth/sesame/internal/signinexp"
)

// Payloads short enough for every field they go in (a display name is at
// most 64 characters). Each would set window.pwned if it ran.
const (
	shortPayload = `<img src=x onerror="window.pwned=3">`
	wordPayload  = `</textarea><script>window.pwned=4</script>`
)

// TestConsoleManage drives the resources, roles, sign-in experience, audit
// log and administrators pages in Chromium: names and settings holding
// markup run no script on the console or on the hosted sign-in and
// register pages, script URLs and CSS in the logo and colour fields are
// refused, a second administrator signs in, and a disabled one is refused.
func TestConsoleManage(t *testing.T) {
	s := startSesameWith(t, nil)
	ctx := context.Background()
	root := s.createUser(t, "root", "root@example.com", alicePassword)
	if err := s.Store.AssignUserRole(ctx, root, admin.AdminRoleID); err != nil {
		t.Fatal(err)
	}
	chrome := e2etest.StartChrome(t)
	b := chrome.NewTab(t)
	var dialogs atomic.Int32
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
	set := func(sel, v string) {
		t.Helper()
		if _, err := e2etest.Eval[bool](b, `(document.querySelector(`+e2etest.JSString(sel)+`).value = `+e2etest.JSString(v)+`, true)`); err != nil {
			t.Fatalf("set %s: %v\n%s", sel, err, b.State())
		}
	}
	open := func(p, ready string) {
		t.Helper()
		b.Navigate(s.URL + p)
		b.WaitFor(p, e2etest.OnPage(s.URL+p)+` && document.querySelector(`+e2etest.JSString(ready)+`)`)
	}

	b.Navigate(s.URL + "/console/roles/new")
	b.WaitSignInForm(s.URL)
	b.SubmitSignIn("root", alicePassword)
	b.WaitFor("the new-role form", e2etest.OnPage(s.URL+"/console/roles/new")+` && document.querySelector('#name')`)

	// A role and an API resource named with markup.
	set("#name", xssPayload)
	set("#description", shortPayload)
	submit(t, b, `main form`)
	b.WaitFor("the role page", `document.querySelector('main h1') && location.pathname.startsWith('/console/roles/') && !location.pathname.endsWith('/new')`)
	noScript("role page")
	if h := b.Text("main h1"); h != xssPayload {
		t.Errorf("role heading = %q, want the name as text", h)
	}
	open("/console/resources/new", "#indicator")
	set("#name", xssPayload)
	set("#indicator", "https://api.example/orders")
	submit(t, b, `main form`)
	b.WaitFor("the resource page", `document.querySelector('#scope_name')`)
	noScript("resource page")
	if h := b.Text("main h1"); h != xssPayload {
		t.Errorf("resource heading = %q, want the name as text", h)
	}
	set("#scope_name", "read:orders")
	set("#scope_description", shortPayload)
	submit(t, b, `form:has(#scope_name)`)
	b.WaitFor("the permission", `document.body.innerText.includes('The permission is added')`)
	noScript("resource with a permission")
	for _, p := range []string{"/console/roles", "/console/resources"} {
		open(p, "main h1")
		noScript(p)
	}

	// Sign-in experience: a script URL as the logo and CSS as the colour are
	// refused by the field; markup in the display name and the words is
	// saved as text.
	open("/console/sign-in-experience", "#display_name")
	set("#logo_url", "javascript:window.pwned=5")
	submit(t, b, `main form`)
	b.WaitFor("the logo error", `document.querySelector('#logo_url[aria-invalid=true]')`)
	noScript("refused logo")
	set("#logo_url", "")
	set("#primary_color", `red;}*{background:url("javascript:window.pwned=6")}`)
	submit(t, b, `main form`)
	b.WaitFor("the colour error", `document.querySelector('#primary_color[aria-invalid=true]')`)
	noScript("refused colour")
	set("#primary_color", "#0a7d4f")
	set("#display_name", shortPayload)
	set("#words", wordPayload+"\n"+shortPayload)
	if _, err := e2etest.Eval[bool](b, `document.querySelector('#registration').checked = true`); err != nil {
		t.Fatal(err)
	}
	submit(t, b, `main form`)
	b.WaitFor("saved", `document.querySelector('.notice')`)
	noScript("settings saved")
	if v, _ := e2etest.Eval[string](b, `document.querySelector('#words').value`); v != wordPayload+"\n"+shortPayload {
		t.Errorf("words field = %q", v)
	}
	x, err := (&signinexp.Service{Store: s.Store}).Get(ctx)
	if err != nil || x.DisplayName != shortPayload || x.Branding.LogoURL != "" || x.Color.PrimaryColor != "#0a7d4f" || !x.RegistrationOpen() {
		t.Fatalf("stored settings %+v (%v)", x, err)
	}

	// The hosted pages with those settings: the preview opens the sign-in
	// page (asking for the password again), then the register page.
	// (The page's link opens it in a new tab; this tab follows it.)
	if href, _ := e2etest.Eval[string](b, `document.querySelector('a[href$="/sign-in-experience/preview"]').getAttribute('href')`); href != "/console/sign-in-experience/preview" {
		t.Fatalf("preview link %q", href)
	}
	b.Navigate(s.URL + "/console/sign-in-experience/preview")
	b.WaitSignInForm(s.URL)
	noScript("hosted sign-in page")
	if !strings.Contains(b.BodyText(), shortPayload) {
		t.Errorf("the sign-in page does not show the display name as text:\n%s", b.State())
	}
	b.Click(`a[href*="/register"]`)
	b.WaitFor("the register page", `location.pathname === '/register' && document.querySelector('#password')`)
	noScript("hosted register page")
	b.Navigate(s.URL + "/console/sign-in-experience/preview")
	b.WaitSignInForm(s.URL)
	b.SubmitSignIn("root", alicePassword)
	b.WaitFor("back on the settings", e2etest.OnPage(s.URL+"/console/sign-in-experience")+` && document.querySelector('#display_name')`)

	// The audit log shows the changes, their documents as text.
	open("/console/audit", "table")
	noScript("audit log")
	if _, err := e2etest.Eval[bool](b, `(document.querySelectorAll('details').forEach(d => { d.open = true }), true)`); err != nil {
		t.Fatal(err)
	}
	noScript("audit log details")
	if body := b.BodyText(); !strings.Contains(body, "Admin.SignInExperience.Update") || !strings.Contains(body, `"displayName": "\u003cimg src=x onerror=\"window.pwned=3\"\u003e"`) {
		t.Errorf("audit log lacks the settings change:\n%s", b.State())
	}

	// A second administrator, created here, signs in; disabled, refused.
	open("/console/admins", "#admin_username")
	set("#admin_username", "second")
	set("#admin_password", bobPassword)
	set("#admin_password_repeat", bobPassword)
	submit(t, b, `form:has(#admin_username)`)
	b.WaitFor("created", `document.body.innerText.includes('The administrator is created')`)
	b.Click(`form.console-signout [type=submit]`)
	b.WaitFor("signed out", e2etest.OnPage(s.URL+"/console/signed-out"))
	b.Navigate(s.URL + "/console/")
	b.WaitSignInForm(s.URL)
	b.SubmitSignIn("second", bobPassword)
	b.WaitFor("the console as second", e2etest.OnPage(s.URL+"/console/")+` && document.body.innerText.includes('Get started')`)
	if _, err := (admin.Admins{Store: s.Store}).Disable(ctx, "second"); err != nil {
		t.Fatal(err)
	}
	b.Navigate(s.URL + "/console/users")
	b.WaitFor("refused", `document.body.innerText.includes('You are not an administrator of this Sesame')`)
	if strings.Contains(b.BodyText(), "Applications") {
		t.Errorf("a disabled administrator sees the console:\n%s", b.State())
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d dialogs opened", n)
	}
}
