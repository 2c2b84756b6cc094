//go:build e2e

// Package console walks the admin console end to end as a new operator
// does: a fresh `sesame serve` on an empty SQLite data directory, the
// one-time setup link it prints, the console in a real headless Chromium,
// and the Go example app (examples/go-app) configured with what the
// console's pages show.
//
// Run from the repository root:
//
//	go test -tags e2e -v ./e2e/console/
//
// Requirements: the Go toolchain, and Chromium at /usr/bin/chromium or its
// path in SESAME_E2E_CHROMIUM.
package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	sesame "github.com/sesameauth/sesame/sdk"
)

func TestMain(m *testing.M) { e2etest.Main(m) }

// step runs one named part of the walk and logs how long it took; each
// step depends on the ones before.
func step(t *testing.T, name string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	t.Logf("%-40s %s", name, time.Since(start).Round(time.Millisecond))
}

var setupURLRe = regexp.MustCompile(`https?://\S+/console/setup\?token=\S+`)

// setupURL waits for the one-time setup URL on sesame's output.
func setupURL(t *testing.T, p *e2etest.Process) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if u := setupURLRe.FindString(p.Log.String()); u != "" {
			return u
		}
		if time.Now().After(deadline) {
			t.Fatalf("sesame serve printed no setup URL on an empty data directory:\n%s", p.Log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fill types into the fields (CSS selector -> text) and clicks submit.
func fill(tb *e2etest.Tab, fields [][2]string, submit string) {
	tb.T().Helper()
	tb.WaitFor(submit, `document.querySelector(`+e2etest.JSString(submit)+`)`)
	var steps []chromedp.Action[chromedp.Void]
	for _, f := range fields {
		// Emptied by script: chromedp.Clear fails on an empty textarea.
		if _, err := e2etest.Eval[bool](tb, `(document.querySelector(`+e2etest.JSString(f[0])+`).value = '') === ''`); err != nil {
			tb.T().Fatalf("empty %s: %v\n%s", f[0], err, tb.State())
		}
		steps = append(steps, chromedp.SendKeys(chromedp.CSS(f[0]), f[1]))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS(submit)))
	if err := tb.Do(steps...); err != nil {
		tb.T().Fatalf("fill in and submit %s: %v\n%s", submit, err, tb.State())
	}
}

// consoleSignIn opens the console in tb and signs in through the hosted
// sign-in page.
func consoleSignIn(tb *e2etest.Tab, sesameURL, login, password string) {
	tb.T().Helper()
	tb.Navigate(sesameURL + "/console/")
	tb.WaitSignInForm(sesameURL)
	tb.SubmitSignIn(login, password)
	tb.WaitFor("the console's home page", e2etest.OnPage(sesameURL+"/console/")+` && document.querySelector('nav.console-nav')`)
}

// appSignIn signs in to the example app in tb through Sesame's form and
// waits until predicate holds.
func appSignIn(tb *e2etest.Tab, appURL, sesameURL, login, password, what, predicate string) {
	tb.T().Helper()
	tb.Navigate(appURL + "/")
	tb.WaitFor("the app's signed-out home page", e2etest.OnPage(appURL+"/")+` && document.querySelector('form[action="/sign-in"] button')`)
	tb.Click(`form[action="/sign-in"] button`)
	tb.WaitSignInForm(sesameURL)
	tb.SubmitSignIn(login, password)
	tb.WaitFor(what, predicate)
}

// refresh runs the refresh-token grant as the app and returns the status
// and the rotated refresh token.
func refresh(t *testing.T, sesameURL, appID, appSecret, rt string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, sesameURL+"/oidc/token",
		strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(appID), url.QueryEscape(appSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /oidc/token: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		RefreshToken string `json:"refresh_token"`
		Error        string `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.RefreshToken, body.Error
}

// appRefreshToken opens the example app's session cookie (the SDK's
// CookieStore with the app's cookie secret) and returns its refresh token.
func appRefreshToken(t *testing.T, tb *e2etest.Tab, appURL, appID, cookieSecret string) string {
	t.Helper()
	store, err := sesame.NewCookieStore(sesame.CookieName(appID), cookieSecret, false)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, appURL+"/", nil)
	for _, c := range tb.CookiesFor(appURL + "/") {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	data, _ := store.Load(context.Background(), req)
	var sess struct {
		RefreshToken string `json:"refreshToken"`
	}
	if err := json.Unmarshal(data, &sess); err != nil || sess.RefreshToken == "" {
		t.Fatalf("the app's session cookie holds no refresh token (%d bytes opened, %v)", len(data), err)
	}
	return sess.RefreshToken
}

func TestOperatorWalk(t *testing.T) {
	total := time.Now()
	s := e2etest.StartSesame(t, nil)
	chrome := e2etest.StartChrome(t)
	op := chrome.FirstTab(t) // the first administrator
	const (
		adminLogin = "root"
		admin2     = "second-admin"
		userLogin  = "alice"
	)
	adminPW := "first admin " + e2etest.RandomHex(8)
	admin2PW := "second admin " + e2etest.RandomHex(8)
	userPW := "correct horse " + e2etest.RandomHex(8)

	step(t, "1 first-run setup", func() {
		u := setupURL(t, s.Proc)
		op.Navigate(u)
		op.WaitFor("the setup form", e2etest.OnPage(s.URL+"/console/setup")+` && document.querySelector('#password_repeat')`)
		fill(op, [][2]string{{"#login", adminLogin}, {"#password", adminPW}, {"#password_repeat", adminPW}}, `form button[type=submit]`)
		op.WaitFor("setup done", `document.body.innerText.includes('Sesame is set up')`)

		op.Navigate(u) // the same link again
		op.WaitFor("the setup page", e2etest.OnPage(s.URL+"/console/setup"))
		if ok, _ := e2etest.Eval[bool](op, `!!document.querySelector('form input[name=token]')`); ok {
			t.Fatalf("the setup link offers the form a second time\n%s", op.State())
		}
		if body := op.BodyText(); !strings.Contains(body, "Sesame is set up") {
			t.Fatalf("the setup link a second time shows %q, want \"Sesame is set up\"", body)
		}
	})

	step(t, "2 console sign-in", func() { consoleSignIn(op, s.URL, adminLogin, adminPW) })

	// The app's port is picked now so its URIs can be registered.
	appURL := "http://localhost:" + strconv.Itoa(e2etest.FreePort(t))
	var appID, appSecret, cookieSecret string
	step(t, "3 create a Traditional app, guide", func() {
		op.Navigate(s.URL + "/console/apps/new")
		op.WaitFor("the new-app form", `document.querySelector('input[name=type][value=traditional]') && document.querySelector('#name')`)
		op.Click(`input[name=type][value=traditional]`)
		fill(op, [][2]string{{"#name", "Go app"}}, `form[action$="/console/apps"] button[type=submit]`)
		op.WaitFor("the app page with its secret", `document.querySelector('#app-secret') && document.querySelector('#app-id')`)
		appID, appSecret = op.Text("#app-id"), op.Text("#app-secret")
		if appID == "" || appSecret == "" {
			t.Fatalf("app id %q, secret %q", appID, appSecret)
		}
		op.Click(`a[href$="/guide"]`)
		op.WaitFor("the integration guide", e2etest.OnPage(s.URL+"/console/apps/"+appID+"/guide")+` && document.querySelector('#redirect_uris')`)
		fill(op, [][2]string{{"#redirect_uris", appURL + "/callback"}, {"#post_logout_redirect_uris", appURL + "/"}},
			`form[action$="/uris"] button[type=submit]`)
		op.WaitFor("the guide saying Saved.", e2etest.OnPage(s.URL+"/console/apps/"+appID+"/guide?saved=1")+` && document.querySelector('.notice')`)
		if got, _ := e2etest.Eval[string](op, `document.querySelector('#redirect_uris').value`); strings.TrimSpace(got) != appURL+"/callback" {
			t.Errorf("after saving, the redirect URIs field holds %q", got)
		}
		m := regexp.MustCompile(`CookieSecret:\s*"([^"]+)"`).FindStringSubmatch(op.Text("#guide-config"))
		if m == nil || len(m[1]) < 32 {
			t.Fatalf("no cookie secret in the guide's configuration:\n%s", op.Text("#guide-config"))
		}
		cookieSecret = m[1]

		// The secret was shown once.
		op.Navigate(s.URL + "/console/apps/" + appID)
		op.WaitFor("the app page", `document.querySelector('#app-id')`)
		if body := op.BodyText(); strings.Contains(body, appSecret) {
			t.Errorf("the app page shows the App secret a second time")
		}
	})

	var userID string
	step(t, "4 go-app, console user, sign in", func() {
		app := e2etest.Start(t, "go-app", e2etest.Command(e2etest.Binary(t, "./examples/go-app"), []string{
			"SESAME_ENDPOINT=" + s.URL, "SESAME_APP_ID=" + appID, "SESAME_APP_SECRET=" + appSecret,
			"SESAME_BASE_URL=" + appURL, "SESAME_COOKIE_SECRET=" + cookieSecret,
		}))
		app.WaitHTTP(t, appURL+"/", 20*time.Second)

		op.Navigate(s.URL + "/console/users/new")
		op.WaitFor("the new-user form", `document.querySelector('#username')`)
		fill(op, [][2]string{{"#username", userLogin}, {"#password", userPW}, {"#password_repeat", userPW}},
			`form[action$="/console/users"] button[type=submit]`)
		op.WaitFor("the user page", `document.querySelector('#user-id')`)
		userID = op.Text("#user-id")
	})
	user := chrome.NewTab(t) // separate cookies
	step(t, "4b user signs in to the app", func() {
		appSignIn(user, appURL, s.URL, userLogin, userPW, "the app's claims page",
			e2etest.OnPage(appURL+"/")+` && document.body.innerText.includes(`+e2etest.JSString("Hello, "+userID+",")+`)`)
	})

	step(t, "5 suspend: sign-in and refresh refused", func() {
		// Control: the app's refresh token works while the user is active.
		rt := appRefreshToken(t, user, appURL, appID, cookieSecret)
		status, rotated, _ := refresh(t, s.URL, appID, appSecret, rt)
		if status != http.StatusOK {
			t.Fatalf("refresh before suspension: status %d, want 200", status)
		}
		if rotated != "" {
			rt = rotated
		}

		op.Navigate(s.URL + "/console/users/" + userID)
		op.WaitFor("the user page", `document.querySelector('form[action$="/suspend"] button')`)
		op.Click(`form[action$="/suspend"] button`)
		op.WaitFor("the user shown as suspended", `document.querySelector('dl.details') && document.querySelector('dl.details').innerText.includes('Suspended')`)

		if status, _, code := refresh(t, s.URL, appID, appSecret, rt); status != http.StatusBadRequest || code != "invalid_grant" {
			t.Errorf("refresh after suspension: status %d, error %q, want 400 invalid_grant", status, code)
		}

		// The next sign-in, in the same browser (Sesame's session too).
		for _, c := range user.CookiesFor(appURL + "/") {
			if strings.HasPrefix(c.Name, sesame.CookieName(appID)) {
				user.DeleteCookie(c.Name, appURL+"/")
			}
		}
		user.Navigate(appURL + "/")
		user.Click(`form[action="/sign-in"] button`)
		suspended := `document.body.innerText.includes('This account is suspended')`
		user.WaitFor("Sesame's sign-in form or a refusal", `(`+e2etest.OnPage(s.URL+"/sign-in?")+` && document.querySelector('#password')) || `+suspended+
			` || document.body.innerText.includes(`+e2etest.JSString("Hello, "+userID)+`)`)
		if strings.Contains(user.BodyText(), "Hello, "+userID) {
			t.Fatalf("the suspended user was signed in to the app again\n%s", user.State())
		}
		if strings.Contains(user.BodyText(), "This account is suspended") {
			t.Logf("the suspended user's Sesame session was refused without the form")
		} else {
			user.SubmitSignIn(userLogin, userPW)
			user.WaitFor("the hosted page refusing the suspended user", e2etest.OnPage(s.URL+"/sign-in")+` && `+suspended)
		}
	})

	step(t, "6 second administrator", func() {
		op.Navigate(s.URL + "/console/admins")
		op.WaitFor("the Administrators page", `document.querySelector('#admin_username')`)
		fill(op, [][2]string{{"#admin_username", admin2}, {"#admin_password", admin2PW}, {"#admin_password_repeat", admin2PW}},
			`form[action$="/console/admins"]:has(input[name=mode][value=create]) button[type=submit]`)
		op.WaitFor("the new administrator listed", `[...document.querySelectorAll('table.console-table tbody tr')].some(r => r.innerText.includes(`+e2etest.JSString(admin2)+`))`)

		second := chrome.NewTab(t)
		consoleSignIn(second, s.URL, admin2, admin2PW)

		// Disable them from the first administrator's console.
		op.Navigate(s.URL + "/console/admins")
		row := `[...document.querySelectorAll('table.console-table tbody tr')].find(r => r.innerText.includes(` + e2etest.JSString(admin2) + `))`
		op.WaitFor("the second administrator's row", row)
		if _, err := e2etest.Eval[bool](op, `(`+row+`).querySelector('form[action$="/disable"] button').click() || true`); err != nil {
			t.Fatalf("click Disable: %v", err)
		}
		op.WaitFor("the Administrators page after Disable", e2etest.OnPage(s.URL+"/console/admins?done=disabled"))

		m := second.Mark()
		second.Navigate(s.URL + "/console/users")
		second.WaitFor("the not-an-administrator page", e2etest.OnPage(s.URL+"/console/users")+` && document.body.innerText.includes('You are not an administrator')`)
		if r, ok := second.LastMainResponse(m); !ok || r.Status != http.StatusForbidden {
			t.Errorf("the disabled administrator's console request: last document response %+v (seen: %v), want 403", r, ok)
		}
	})

	step(t, "7 console sign-out", func() {
		op.Navigate(s.URL + "/console/")
		op.WaitFor("the console", `document.querySelector('form.console-signout button')`)
		if e2etest.FindCookie(op.AllCookies(), "sesame_console") == nil {
			t.Fatalf("no sesame_console cookie while signed in; cookies: %q", e2etest.CookieNames(op.AllCookies()))
		}
		op.Click(`form.console-signout button`)
		op.WaitFor("the signed-out page", e2etest.OnPage(s.URL+"/console/signed-out"))
		for _, c := range op.AllCookies() {
			if strings.HasPrefix(c.Name, "sesame_console") || strings.HasPrefix(c.Name, "__Host-sesame_console") {
				t.Errorf("cookie %s is still set after signing out of the console", c.Name)
			}
		}
		op.Navigate(s.URL + "/console/")
		op.WaitSignInForm(s.URL)
	})
	t.Logf("%-40s %s", "total", time.Since(total).Round(time.Millisecond))

}
