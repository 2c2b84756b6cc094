package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/store"
)

// setPolicyMin12 stores a password policy of at least 12 characters.
func (e *env) setPolicyMin12(t *testing.T) {
	e.signInExp(t, `{"passwordPolicy":{"length":{"min":12,"max":256}}}`)
}

// TestConsoleSetupPasswordPolicy: the real first-run setup refuses an
// administrator password the sign-in experience's policy refuses.
func TestConsoleSetupPasswordPolicy(t *testing.T) {
	e := newEnv(t, withConsoleMaster)
	e.seedConsole(t)
	e.setPolicyMin12(t)
	setup, err := admin.Admins{Store: e.Store}.SetupURL(t.Context(), e.URL)
	if err != nil || setup == "" {
		t.Fatalf("SetupURL: %q %v", setup, err)
	}
	u, _ := url.Parse(setup)
	b := e.browser(t)
	resp := b.get(t, setup)
	body, action, csrf := page(t, resp)
	if csrf == "" {
		t.Fatalf("setup page: %d %.800s", resp.StatusCode, body)
	}
	form := url.Values{"csrf_token": {csrf}, "token": {u.Query().Get("token")}, "login": {"boss"}, "password": {"ten-chars!"}, "password_repeat": {"ten-chars!"}}
	resp = b.post(t, action, form)
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "12") {
		t.Fatalf("10-character password under a 12-character policy: %d %.800s", resp.StatusCode, body)
	}
	if l, _ := (admin.Admins{Store: e.Store}).ListAdmins(t.Context()); len(l) != 0 {
		t.Fatalf("refused setup created %v", l)
	}
	form.Set("password", "twelve-chars")
	form.Set("password_repeat", "twelve-chars")
	resp = b.post(t, action, form)
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sesame is set up") {
		t.Fatalf("12-character password: %d %.800s", resp.StatusCode, body)
	}
}

// TestAuthorizeRegisterFollowsSettings: first_screen=register opens the
// register page when the stored sign-in experience has registration open,
// whatever --registration said, and read at request time.
func TestAuthorizeRegisterFollowsSettings(t *testing.T) {
	e := newEnv(t, func(c *config.Config, _ *app.Options) { c.AllowRegistration = false })
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	first := func() string {
		resp := e.browser(t).get(t, e.authURL(id, r, url.Values{"first_screen": {"register"}}))
		resp.Body.Close()
		return resp.Request.URL.Path
	}
	if p := first(); p != "/sign-in" {
		t.Fatalf("registration closed (the flag's default): first_screen=register opened %s", p)
	}
	e.signInExp(t, `{"signInMode":"SignInAndRegister"}`)
	if p := first(); p != "/register" {
		t.Fatalf("registration opened in the settings: first_screen=register opened %s", p)
	}
	e.signInExp(t, `{"signInMode":"SignIn"}`)
	if p := first(); p != "/sign-in" {
		t.Fatalf("registration closed again: first_screen=register opened %s", p)
	}
}

var inputRe = regexp.MustCompile(`<input id="(username|email)"[^>]*>`)

// registerInputs returns the register form's username and email inputs.
func registerInputs(body string) map[string]string {
	m := map[string]string{}
	for _, x := range inputRe.FindAllStringSubmatch(body, -1) {
		m[x[1]] = x[0]
	}
	return m
}

// TestRegisterIdentifiers: signUp.identifiers shape the register form and
// the server enforces the same, whatever is posted.
func TestRegisterIdentifiers(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	open := func() (*browser, string, string, map[string]string) {
		b := e.browser(t)
		body, action, csrf := page(t, b.get(t, e.authURL(id, r, url.Values{"first_screen": {"register"}})))
		return b, action, csrf, registerInputs(body)
	}
	post := func(b *browser, action, csrf, username, email string) (int, string) {
		resp := b.post(t, action, url.Values{"csrf_token": {csrf}, "username": {username}, "email": {email},
			"password": {"password-1"}, "password_confirm": {"password-1"}})
		body, _, _ := page(t, resp)
		return resp.StatusCode, body
	}

	// Default, username: a required username, an optional email.
	_, _, _, in := open()
	if !strings.Contains(in["username"], "required") || in["email"] == "" || strings.Contains(in["email"], "required") {
		t.Fatalf("username sign-up form inputs: %v", in)
	}

	// Email only: no username field, a required email; a posted username
	// is ignored and a missing email refused.
	e.signInExp(t, `{"signInMode":"SignInAndRegister","signUp":{"identifiers":["email"],"password":true}}`)
	b, action, csrf, in := open()
	if in["username"] != "" || !strings.Contains(in["email"], "required") {
		t.Fatalf("email sign-up form inputs: %v", in)
	}
	if code, body := post(b, action, csrf, "sneaky", ""); code != http.StatusBadRequest || !strings.Contains(body, "Enter your email address") {
		t.Fatalf("email sign-up without an email: %d %.600s", code, body)
	}
	if code, body := post(b, action, csrf, "sneaky", "only@example.com"); code != http.StatusSeeOther {
		t.Fatalf("email sign-up: %d %.600s", code, body)
	}
	u, err := e.Store.GetUserByLogin(t.Context(), "only@example.com")
	if err != nil || u.Username != "" {
		t.Fatalf("email sign-up created %+v %v, want no username", u, err)
	}
	if _, err := e.Store.GetUserByLogin(t.Context(), identity.Canonical("sneaky")); err == nil {
		t.Fatal("a username the form does not ask for was stored")
	}

	// Both: both required.
	e.signInExp(t, `{"signInMode":"SignInAndRegister","signUp":{"identifiers":["username","email"],"password":true}}`)
	b, action, csrf, in = open()
	if !strings.Contains(in["username"], "required") || !strings.Contains(in["email"], "required") {
		t.Fatalf("username+email sign-up form inputs: %v", in)
	}
	if code, body := post(b, action, csrf, "both", ""); code != http.StatusBadRequest || !strings.Contains(body, "Enter your email address") {
		t.Fatalf("username+email sign-up without an email: %d %.600s", code, body)
	}
	if code, body := post(b, action, csrf, "", "both@example.com"); code != http.StatusBadRequest {
		t.Fatalf("username+email sign-up without a username: %d %.600s", code, body)
	}
	if code, body := post(b, action, csrf, "both", "both@example.com"); code != http.StatusSeeOther {
		t.Fatalf("username+email sign-up: %d %.600s", code, body)
	}
}

// TestLightOnlyPages: isDarkModeEnabled=false makes the hosted pages
// light-only: class "light-only" (which sesame.css's dark palette
// excludes), a light color-scheme, no dark logo, a light-only brand.css.
func TestLightOnlyPages(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	get := func(u string) string {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _, _ := page(t, resp)
		return body
	}
	signIn := func() string {
		body, _, _ := page(t, e.browser(t).get(t, e.authURL(id, r, nil)))
		return body
	}
	brandCSS := regexp.MustCompile(`href="(/static/brand\.css\?v=\d+)"`)
	e.signInExp(t, `{"branding":{"logoUrl":"https://cdn.example/light.png","darkLogoUrl":"https://cdn.example/dark.png"}}`)
	body := signIn()
	if strings.Contains(body, "light-only") || !strings.Contains(body, `content="light dark"`) || !strings.Contains(body, "dark.png") {
		t.Fatalf("dark mode on: %.1200s", body)
	}
	e.signInExp(t, `{"color":{"isDarkModeEnabled":false}}`)
	body = signIn()
	if !strings.Contains(body, `<html lang="en" class="light-only">`) || !strings.Contains(body, `<meta name="color-scheme" content="light">`) ||
		strings.Contains(body, "dark.png") || !strings.Contains(body, "light.png") {
		t.Fatalf("dark mode off: %.1200s", body)
	}
	m := brandCSS.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no brand.css link: %.1200s", body)
	}
	if css := get(e.URL + m[1]); strings.Contains(css, "prefers-color-scheme") || !strings.Contains(css, "color-scheme: light;") {
		t.Fatalf("light-only brand.css:\n%s", css)
	}
	if css := get(e.URL + "/static/sesame.css"); !strings.Contains(css, ":root:not(.light-only) {") || !strings.Contains(css, ":root.light-only {") {
		t.Fatal("sesame.css's dark palette does not exclude light-only pages")
	}
}

// TestBrandPagesAllowHTTPSImages: the pages showing the brand (sign-in,
// register) allow https images, so a logo on a CDN displays; every other
// directive is the one other pages have, and those keep img-src 'self' data:.
func TestBrandPagesAllowHTTPSImages(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	e.signInExp(t, `{"branding":{"logoUrl":"https://cdn.example/logo.png"}}`)
	nonce := regexp.MustCompile(`'nonce-[^']+'`)
	csp := func(resp *http.Response) string {
		body, _, _ := page(t, resp)
		if resp.Request.URL.Path != "/" && !strings.Contains(body, "https://cdn.example/logo.png") {
			t.Fatalf("%s: no logo", resp.Request.URL.Path)
		}
		checkPageHeaders(t, resp.Header)
		return nonce.ReplaceAllString(resp.Header.Get("Content-Security-Policy"), "N")
	}
	b := e.browser(t)
	home := csp(b.get(t, e.URL+"/"))
	if !strings.Contains(home, "img-src 'self' data:;") {
		t.Fatalf("home page CSP %q", home)
	}
	for _, q := range []url.Values{nil, {"first_screen": {"register"}}} {
		got := csp(e.browser(t).get(t, e.authURL(id, r, q)))
		want := strings.Replace(home, "img-src 'self' data:;", "img-src 'self' data: https:;", 1)
		want = strings.Replace(want, "form-action 'self'", "form-action 'self' https://app.example", 1)
		if got != want {
			t.Errorf("%v: CSP %q, want %q", q, got, want)
		}
	}
}

// TestConsoleAddAdminPasswordPolicy: the console's "add administrator"
// follows the sign-in experience's password policy too.
func TestConsoleAddAdminPasswordPolicy(t *testing.T) {
	e, b, csrf := signedInConsole(t)
	e.setPolicyMin12(t)
	resp, body := b.postPage(t, "/console/admins", csrf, url.Values{"mode": {"create"}, "username": {"second"}, "password": {"ten-chars!"}, "password_repeat": {"ten-chars!"}})
	wantStatus(t, "10-character password under a 12-character policy", resp, body, http.StatusBadRequest, "12")
	if _, err := e.Store.GetUserByLogin(t.Context(), "second"); err == nil {
		t.Fatal("a refused administrator was created")
	}
	resp, body = b.postPage(t, "/console/admins", csrf, url.Values{"mode": {"create"}, "username": {"second"}, "password": {"twelve-chars"}, "password_repeat": {"twelve-chars"}})
	wantStatus(t, "12-character password", resp, body, http.StatusOK, "The administrator is created")
}
