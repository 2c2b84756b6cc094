//go:build e2e

package goapp

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
)

// step runs one named part of a walk and logs how long it took. Each step
// depends on the ones before, so a failure (t.Fatalf) ends the walk.
func step(t *testing.T, name string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	t.Logf("%-34s %s", name, time.Since(start).Round(time.Millisecond))
}

// signedOutPred: the app's home page in the signed-out state.
func signedOutPred(e *env) string {
	return e2etest.OnPage(e.AppURL+"/") + ` && ` + button("/sign-in", "Sign In") +
		` && !document.body.innerText.includes('Hello,') && !document.querySelector('form[action="/sign-out"]')`
}

// signedInPred: the app's home page in the signed-in state.
func signedInPred(e *env) string {
	return e2etest.OnPage(e.AppURL+"/") + ` && ` + button("/sign-out", "Sign Out") + ` && document.body.innerText.includes('Hello,')`
}

// sesameFormPred: Sesame's sign-in page showing the password form.
func sesameFormPred(e *env) string {
	return e2etest.OnPage(e.SesameURL+"/sign-in") +
		` && document.querySelector('form #identifier') && document.querySelector('form #password') && document.querySelector('form [type=submit]')`
}

// openSignedOutHome opens the app's home page and checks the signed-out state.
func openSignedOutHome(t *testing.T, b *e2etest.Tab, e *env) {
	t.Helper()
	m := b.Mark()
	b.Navigate(e.AppURL + "/")
	b.WaitFor("the app's signed-out home page with a Sign In button", signedOutPred(e))
	if r, ok := b.LastMainResponse(m); !ok || r.Status != 200 {
		t.Fatalf("GET %s/: last document response %+v (seen: %v), want 200", e.AppURL, r, ok)
	}
}

// clickSignInToSesame clicks Sign In on the app and waits for Sesame's
// password form. It fails at once if the browser comes back signed in to the
// app instead (an SSO session that should not exist).
func clickSignInToSesame(t *testing.T, b *e2etest.Tab, e *env) {
	t.Helper()
	m := b.Mark()
	b.Click(buttonSel("/sign-in"))
	b.WaitFor("Sesame's sign-in form (or, wrongly, the app signed in without a password)",
		`(`+sesameFormPred(e)+`) || (`+e2etest.OnPage(e.AppURL+"/callback")+`) || (`+signedInPred(e)+`)`)
	reqs := b.MainRequestedURLs(m)
	if containsAny(reqs, e.AppURL+"/callback") || b.Location().Host != hostOf(e.SesameURL) {
		t.Fatalf("Sign In went back to the app without showing Sesame's password form; requests: %q\n%s", reqs, b.State())
	}
	b.WaitFor("Sesame's sign-in form", sesameFormPred(e))
	loc := b.Location()
	if loc.Scheme != "http" || loc.Host != hostOf(e.SesameURL) || loc.Path != "/sign-in" {
		t.Fatalf("after Sign In the browser is at %s, want %s/sign-in", loc, e.SesameURL)
	}
	if !containsAny(reqs, e.AppURL+"/sign-in") || !containsAny(reqs, e.SesameURL+"/oidc/auth") {
		t.Errorf("Sign In: document requests %q, want POST %s/sign-in then %s/oidc/auth…", reqs, e.AppURL, e.SesameURL)
	}
}

// submitPassword fills in Sesame's form and waits for the app's signed-in
// home page, then checks that it greets the user by id.
func submitPassword(t *testing.T, b *e2etest.Tab, e *env) {
	t.Helper()
	m := b.Mark()
	if err := b.Do(
		chromedp.Clear(chromedp.ID("identifier")),
		chromedp.SendKeys(chromedp.ID("identifier"), e.Username),
		chromedp.SendKeys(chromedp.ID("password"), e.Password),
		chromedp.Click(chromedp.CSS("form [type=submit]")),
	); err != nil {
		t.Fatalf("fill in the sign-in form: %v\n%s", err, b.State())
	}
	b.WaitFor("the app's signed-in home page with a Sign Out button", signedInPred(e))
	if loc := b.Location(); loc.String() != e.AppURL+"/" {
		t.Errorf("after signing in the browser is at %s, want %s/", loc, e.AppURL)
	}
	reqs := b.MainRequestedURLs(m)
	if !containsAny(reqs, e.AppURL+"/callback?") {
		t.Errorf("signing in: document requests %q, want one to %s/callback?…", reqs, e.AppURL)
	}
	if r, ok := b.LastMainResponse(m); !ok || r.Status != 200 {
		t.Errorf("signed-in home page: last document response %+v (seen: %v), want 200", r, ok)
	}
	if body, want := b.BodyText(), "Hello, "+e.UserID+","; !strings.Contains(body, want) {
		t.Fatalf("the signed-in home page says %q, want it to contain %q", body, want)
	}
}

func hostOf(u string) string {
	p, _ := url.Parse(u)
	return p.Host
}

// tokenFields are JSON keys that would mean a cookie holds tokens in the clear.
var tokenFields = []string{"idToken", "accessToken", "refreshToken", "id_token", "access_token", "refresh_token", "token"}

// checkNoPlainTokens asserts that no cookie value holds a JWT or a JSON
// object with token fields, or a secret the test knows.
func checkNoPlainTokens(t *testing.T, e *env, cs []*network.Cookie) {
	t.Helper()
	for _, c := range cs {
		values := []string{c.Value}
		if u, err := url.QueryUnescape(c.Value); err == nil && u != c.Value {
			values = append(values, u)
		}
		for _, v := range values {
			if strings.Contains(v, "eyJ") {
				t.Errorf("cookie %s (domain %s) contains \"eyJ\", the start of a JWT in plain text: %.200q", c.Name, c.Domain, v)
			}
			var obj map[string]any
			if json.Unmarshal([]byte(v), &obj) == nil {
				for _, f := range tokenFields {
					if _, ok := obj[f]; ok {
						t.Errorf("cookie %s (domain %s) is JSON with the token field %q in plain text", c.Name, c.Domain, f)
					}
				}
			}
			for what, secret := range map[string]string{"app secret": e.AppSecret, "password": e.Password} {
				if strings.Contains(v, secret) {
					t.Errorf("cookie %s (domain %s) contains the %s", c.Name, c.Domain, what)
				}
			}
		}
	}
}

// TestGuideCheckpoint is the quick start's checkpoint: sign in to the Go
// example app through Sesame's hosted page, see "Hello, <user id>,", sign out,
// and find Sesame's session gone too.
func TestGuideCheckpoint(t *testing.T) {
	total := time.Now()
	e := startEnv(t)
	var b *e2etest.Tab
	step(t, "start Chromium", func() { b = e2etest.StartChrome(t).FirstTab(t) })
	appCookie := "sesame_" + e.AppID // the SDK's CookieName; app ids are [0-9a-z]

	step(t, "1 home page (signed out)", func() { openSignedOutHome(t, b, e) })
	step(t, "2 Sign In -> Sesame's form", func() { clickSignInToSesame(t, b, e) })
	step(t, "3 password -> Hello, <id>,", func() { submitPassword(t, b, e) })

	step(t, "4 cookies hold no plain tokens", func() {
		all := b.AllCookies()
		sent := b.CookiesFor(e.AppURL+"/", e.SesameURL+"/")
		t.Logf("cookies: %q", e2etest.CookieNames(all))
		checkNoPlainTokens(t, e, all)
		checkNoPlainTokens(t, e, sent)
		ac := e2etest.FindCookie(all, appCookie)
		if ac == nil {
			t.Fatalf("no %s cookie after signing in; cookies: %q", appCookie, e2etest.CookieNames(all))
		}
		if !ac.HTTPOnly || ac.SameSite != network.CookieSameSiteLax || ac.Path != "/" {
			t.Errorf("%s: HttpOnly=%v SameSite=%q Path=%q, want HttpOnly, Lax, /", appCookie, ac.HTTPOnly, ac.SameSite, ac.Path)
		}
		if ss := e2etest.FindCookie(all, "sesame_session"); ss == nil {
			t.Errorf("no sesame_session cookie (Sesame's SSO session) after signing in; cookies: %q", e2etest.CookieNames(all))
		} else if !ss.HTTPOnly {
			t.Errorf("sesame_session is not HttpOnly")
		}
	})

	// Control for step 6: while Sesame's session lives, Sign In comes back
	// without the password form (SSO), so step 6 seeing the form proves that
	// Sign Out ended Sesame's session, not that the form always shows.
	step(t, "4b control: SSO while Sesame's session lives", func() {
		b.DeleteCookie(appCookie, e.AppURL+"/")
		if c := e2etest.FindCookie(b.AllCookies(), appCookie); c != nil {
			t.Fatalf("Network.deleteCookies left %s in place", appCookie)
		}
		openSignedOutHome(t, b, e)
		m := b.Mark()
		b.Click(buttonSel("/sign-in"))
		b.WaitFor("the app signed in again through SSO (or, wrongly, Sesame's form)",
			`(`+signedInPred(e)+`) || (`+sesameFormPred(e)+`)`)
		reqs := b.MainRequestedURLs(m)
		if containsAny(reqs, e.SesameURL+"/sign-in") {
			t.Fatalf("with Sesame's session alive, Sign In showed Sesame's sign-in page; requests: %q\n%s", reqs, b.State())
		}
		if !containsAny(reqs, e.SesameURL+"/oidc/auth") || !containsAny(reqs, e.AppURL+"/callback?") {
			t.Errorf("SSO: document requests %q, want %s/oidc/auth… then %s/callback?…", reqs, e.SesameURL, e.AppURL)
		}
		if body, want := b.BodyText(), "Hello, "+e.UserID+","; !strings.Contains(body, want) {
			t.Fatalf("after SSO the page says %q, want it to contain %q", body, want)
		}
	})

	step(t, "5 Sign Out -> signed-out home", func() {
		m := b.Mark()
		b.Click(buttonSel("/sign-out"))
		b.WaitFor("the app's signed-out home page after Sign Out", signedOutPred(e))
		if loc := b.Location(); loc.String() != e.AppURL+"/" {
			t.Errorf("after Sign Out the browser is at %s, want %s/", loc, e.AppURL)
		}
		reqs := b.MainRequestedURLs(m)
		if !containsAny(reqs, e.SesameURL+"/oidc/session/end?") {
			t.Errorf("Sign Out: document requests %q, want one to %s/oidc/session/end?…", reqs, e.SesameURL)
		}
		if r, ok := b.LastMainResponse(m); !ok || r.Status != 200 {
			t.Errorf("home page after Sign Out: last document response %+v (seen: %v), want 200", r, ok)
		}
		// The SDK revokes the refresh token at sign-out; its only trace is
		// Sesame's access log (the SDK logs a failure, which checkLogsClean
		// would catch).
		if log := e.sesame.Log.String(); !strings.Contains(log, "method=POST path=/oidc/token/revocation status=200") {
			t.Errorf("Sign Out: Sesame's log shows no POST /oidc/token/revocation with status 200 (refresh token revocation)")
		}
		all := b.AllCookies()
		for _, name := range []string{appCookie, "sesame_session"} {
			if c := e2etest.FindCookie(all, name); c != nil {
				t.Errorf("cookie %s is still set after Sign Out (%d bytes)", name, len(c.Value))
			}
		}
		checkNoPlainTokens(t, e, all)
	})

	step(t, "6 Sign In again -> password form", func() { clickSignInToSesame(t, b, e) })
	step(t, "7 password again -> Hello, <id>,", func() { submitPassword(t, b, e) })
	e.checkLogsClean(t)
	t.Logf("%-34s %s", "total (with setup)", time.Since(total).Round(time.Millisecond))
}

// TestTamperedSessionCookie changes one character of the app's encrypted
// session cookie: the app must show the signed-out home page (200, Sign In),
// not an error; the untouched value must still sign the user in.
func TestTamperedSessionCookie(t *testing.T) {
	total := time.Now()
	e := startEnv(t)
	var b *e2etest.Tab
	step(t, "start Chromium", func() { b = e2etest.StartChrome(t).FirstTab(t) })
	appCookie := "sesame_" + e.AppID

	step(t, "sign in", func() {
		openSignedOutHome(t, b, e)
		clickSignInToSesame(t, b, e)
		submitPassword(t, b, e)
	})
	orig := e2etest.FindCookie(b.CookiesFor(e.AppURL+"/"), appCookie)
	if orig == nil {
		t.Fatalf("no %s cookie after signing in; cookies: %q", appCookie, e2etest.CookieNames(b.AllCookies()))
	}
	if len(orig.Value) < 4 {
		t.Fatalf("%s is only %d bytes", appCookie, len(orig.Value))
	}

	// set replaces the app's cookie (host-only, as the app set it) with value.
	set := func(value string) {
		b.SetCookie(network.SetCookieParams{
			Name: appCookie, Value: value, URL: e.AppURL + "/", Path: "/",
			HTTPOnly: &orig.HTTPOnly, Secure: &orig.Secure, SameSite: orig.SameSite,
			Expires: cdp.TimeSinceEpoch(orig.Expires),
		})
		var got []string
		for _, c := range b.CookiesFor(e.AppURL + "/") {
			if c.Name == appCookie {
				got = append(got, c.Value)
			}
		}
		if len(got) != 1 || got[0] != value {
			t.Fatalf("after Network.setCookie the browser holds %d %s cookies (values match: %v), want exactly the one set", len(got), appCookie, len(got) == 1 && got[0] == value)
		}
	}

	// Positions: the first character (the format version byte), the middle
	// (nonce or ciphertext) and the last but one (the GCM tag; the very last
	// character may carry only padding bits, which base64 ignores).
	v := orig.Value
	for _, pos := range []struct {
		name string
		i    int
	}{{"first", 0}, {"middle", len(v) / 2}, {"last-but-one", len(v) - 2}} {
		step(t, "tamper "+pos.name+" char -> signed out", func() {
			repl := byte('A')
			if v[pos.i] == 'A' {
				repl = 'B'
			}
			tampered := v[:pos.i] + string(repl) + v[pos.i+1:]
			set(tampered)
			m := b.Mark()
			b.Navigate(e.AppURL + "/")
			b.WaitFor("the app's home page after tampering", e2etest.OnPage(e.AppURL+"/"))
			r, ok := b.LastMainResponse(m)
			if !ok || r.Status != 200 {
				t.Errorf("GET / with a tampered cookie (char %d %q->%q): document response %+v (seen: %v), want 200\n%s",
					pos.i, v[pos.i], repl, r, ok, b.State())
			}
			b.WaitFor("the signed-out home page (Sign In) with a tampered cookie", signedOutPred(e))
			if body := b.BodyText(); strings.Contains(body, e.UserID) {
				t.Errorf("the page shows the user id with a tampered cookie: %q", body)
			}
		})
	}

	step(t, "restore the cookie -> signed in", func() {
		set(v)
		b.Navigate(e.AppURL + "/")
		b.WaitFor("the signed-in home page with the original cookie", signedInPred(e))
		if body, want := b.BodyText(), "Hello, "+e.UserID+","; !strings.Contains(body, want) {
			t.Errorf("with the original cookie the page says %q, want %q", body, want)
		}
	})
	e.checkLogsClean(t)
	t.Logf("%-34s %s", "total (with setup)", time.Since(total).Round(time.Millisecond))
}
