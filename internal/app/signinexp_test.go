package app_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
)

// signInExp changes the stored sign-in experience settings, as the
// Management API and the console do.
func (e *env) signInExp(t testing.TB, patch string) signinexp.Settings {
	t.Helper()
	_, after, err := (&signinexp.Service{Store: e.Store, AllowRegistration: true}).Update(t.Context(), []byte(patch))
	if err != nil {
		t.Fatalf("signinexp.Update(%s): %v", patch, err)
	}
	return after
}

// signInPage starts an authorization and returns the sign-in page's body
// and its interaction id.
func (e *env) signInPage(t testing.TB, b *browser) (*http.Response, string) {
	t.Helper()
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	resp := b.get(t, e.authURL(id, r, nil))
	if !strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
		t.Fatalf("expected the sign-in page, got %s", resp.Request.URL)
	}
	return resp, resp.Request.URL.Query().Get("interaction")
}

// TestSignInExpRegistrationClosed: closing registration in the settings
// (the flag allows it) removes the link and refuses the page and the form
// at once, without a restart.
func TestSignInExpRegistrationClosed(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	resp, interaction := e.signInPage(t, b)
	if body, _, _ := page(t, resp); !strings.Contains(body, "Create account") {
		t.Fatal("open registration: no register link")
	}
	resp = b.get(t, e.URL+"/register?interaction="+interaction)
	_, action, csrf := page(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("register page while open: %d", resp.StatusCode)
	}

	e.signInExp(t, `{"signInMode":"SignIn"}`)
	resp = b.get(t, e.URL+"/sign-in?interaction="+interaction)
	if body, _, _ := page(t, resp); strings.Contains(body, "/register") || strings.Contains(body, "Create account") {
		t.Fatalf("closed registration: the sign-in page still links it:\n%s", body)
	}
	resp = b.get(t, e.URL+"/register?interaction="+interaction)
	if body, _, _ := page(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Registration is closed") {
		t.Fatalf("register page while closed: %d\n%s", resp.StatusCode, body)
	}
	resp = b.post(t, action, url.Values{"username": {"newbie"}, "password": {"password-1"}, "password_confirm": {"password-1"}, "csrf_token": {csrf}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("register form while closed: %d", resp.StatusCode)
	}
	if _, err := e.Store.GetUserByLogin(t.Context(), "newbie"); err == nil {
		t.Fatal("closed registration created an account")
	}
}

// TestSignInExpRegistrationFlag: with --allow-registration=false and no
// stored settings, registration is closed (the flag is the initial
// value); opening it in the settings overrides the flag.
func TestSignInExpRegistrationFlag(t *testing.T) {
	e := newEnv(t, func(c *config.Config, _ *app.Options) { c.AllowRegistration = false })
	b := e.browser(t)
	_, interaction := e.signInPage(t, b)
	resp := b.get(t, e.URL+"/register?interaction="+interaction)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("register page with the flag off: %d", resp.StatusCode)
	}
	e.signInExp(t, `{"signInMode":"SignInAndRegister"}`)
	resp = b.get(t, e.URL+"/register?interaction="+interaction)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("register page opened in the settings: %d", resp.StatusCode)
	}
}

// TestSignInExpIdentifiers: an email-only sign-in labels the field
// "Email" and refuses a username, even the right one with its password.
func TestSignInExpIdentifiers(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice", "alice-password")
	if _, err := e.Store.UpdateUser(t.Context(), mustUser(t, e, "alice").ID, func(u store.User) (store.User, error) {
		u.Email = "alice@example.com"
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	e.signInExp(t, `{"signIn":{"methods":[{"identifier":"email","password":true,"isPasswordPrimary":true}]}}`)
	b := e.browser(t)
	resp, interaction := e.signInPage(t, b)
	body, action, csrf := page(t, resp)
	if !strings.Contains(body, `<label for="identifier">Email</label>`) {
		t.Fatalf("email-only label:\n%s", body)
	}
	resp = b.post(t, action, url.Values{"identifier": {"alice"}, "password": {"alice-password"}, "csrf_token": {csrf}})
	if body, _, _ := page(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Sign in with your email.") {
		t.Fatalf("username on an email-only form: %d\n%s", resp.StatusCode, body)
	}
	resp = b.get(t, e.URL+"/sign-in?interaction="+interaction)
	if resp = b.login(t, resp, "alice@example.com", "alice-password"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("email sign-in: %d", resp.StatusCode)
	}
	resp.Body.Close()

	e.signInExp(t, `{"signIn":{"methods":[{"identifier":"username","password":true,"isPasswordPrimary":true}]}}`)
	b = e.browser(t)
	resp, _ = e.signInPage(t, b)
	body, action, csrf = page(t, resp)
	if !strings.Contains(body, `<label for="identifier">Username</label>`) {
		t.Fatalf("username-only label:\n%s", body)
	}
	resp = b.post(t, action, url.Values{"identifier": {"alice@example.com"}, "password": {"alice-password"}, "csrf_token": {csrf}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("email on a username-only form: %d", resp.StatusCode)
	}
}

func mustUser(t testing.TB, e *env, login string) store.User {
	t.Helper()
	u, err := e.Store.GetUserByLogin(t.Context(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSignInExpPasswordPolicy: the stored policy is the hint on the
// register page and is enforced on registration and on the admin's
// password set, from one rule.
func TestSignInExpPasswordPolicy(t *testing.T) {
	e := newEnv(t)
	e.signInExp(t, `{"passwordPolicy":{"length":{"min":12,"max":64},"rejects":{"words":["sesame"]}}}`)
	b := e.browser(t)
	_, interaction := e.signInPage(t, b)
	resp := b.get(t, e.URL+"/register?interaction="+interaction)
	body, action, csrf := page(t, resp)
	if !strings.Contains(body, "At least 12 characters.") {
		t.Fatalf("register page hint:\n%s", body)
	}
	for _, pw := range []string{"eleven-char", "open-sesame-now"} {
		resp = b.post(t, action, url.Values{"username": {"newbie"}, "password": {pw}, "password_confirm": {pw}, "csrf_token": {csrf}})
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("register with %q: %d", pw, resp.StatusCode)
		}
	}
	if _, err := e.Store.GetUserByLogin(t.Context(), "newbie"); err == nil {
		t.Fatal("a refused password created an account")
	}
	u := e.user(t, "bob", "bob-password-long")
	users := directory.Users{Store: e.Store, PasswordParams: fastHash, Policy: (&signinexp.Service{Store: e.Store}).PasswordPolicy}
	if err := users.SetPassword(t.Context(), u.ID, "eleven-char"); !directory.IsBadInput(err) {
		t.Fatalf("admin set of a short password: %v", err)
	}
	if err := users.SetPassword(t.Context(), u.ID, "twelve-chars"); err != nil {
		t.Fatalf("admin set of a good password: %v", err)
	}
}

// TestSignInExpBranding: the display name and logo show on the pages,
// escaped; the colours come from brand.css, whose URL changes with each
// update; the CSP does not change.
func TestSignInExpBranding(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	resp, interaction := e.signInPage(t, b)
	csp := resp.Header.Get("Content-Security-Policy")
	page(t, resp)

	const payload = `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	e.signInExp(t, `{"displayName":`+jsonString(payload)+`,"color":{"primaryColor":"#AA0011"},
		"branding":{"logoUrl":"https://cdn.example/logo.png?a=1&b=2"},"passwordPolicy":{"rejects":{"words":[`+jsonString(payload)+`]}}}`)
	resp = b.get(t, e.URL+"/sign-in?interaction="+interaction)
	body, _, _ := page(t, resp)
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("display name not escaped:\n%s", body)
	}
	if !strings.Contains(body, `<img class="brand-logo" src="https://cdn.example/logo.png?a=1&amp;b=2"`) {
		t.Fatalf("logo:\n%s", body)
	}
	if got := resp.Header.Get("Content-Security-Policy"); noNonce(got) != noNonce(csp) || strings.Contains(body, "style=") {
		t.Fatalf("CSP changed or inline style: %q → %q", csp, got)
	}
	resp = b.get(t, e.URL+"/register?interaction="+interaction)
	if body, _, _ := page(t, resp); strings.Contains(body, "<script>alert") {
		t.Fatalf("register page not escaped:\n%s", body)
	}
	css1 := brandCSS(t, e, b, body)
	if !strings.Contains(css1, "--primary: #aa0011;") {
		t.Fatalf("brand.css does not carry the colour:\n%s", css1)
	}
	e.signInExp(t, `{"color":{"primaryColor":"#00aa22"}}`)
	resp = b.get(t, e.URL+"/sign-in?interaction="+interaction)
	body2, _, _ := page(t, resp)
	if brandHref(t, body2) == brandHref(t, body) {
		t.Fatalf("brand.css URL did not change with the settings: %s", brandHref(t, body2))
	}
	if css2 := brandCSS(t, e, b, body2); !strings.Contains(css2, "--primary: #00aa22;") {
		t.Fatalf("brand.css after the change:\n%s", css2)
	}
}

func jsonString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func brandHref(t testing.TB, body string) string {
	t.Helper()
	i := strings.Index(body, `/static/brand.css?v=`)
	if i < 0 {
		t.Fatalf("no brand.css link:\n%s", body)
	}
	j := strings.IndexByte(body[i:], '"')
	return strings.ReplaceAll(body[i:i+j], "&amp;", "&")
}

func brandCSS(t testing.TB, e *env, b *browser, body string) string {
	t.Helper()
	resp := b.get(t, e.URL+brandHref(t, body))
	defer resp.Body.Close()
	css, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("brand.css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(css)
}

var nonceRE = regexp.MustCompile(`'nonce-[^']*'`)

func noNonce(csp string) string { return nonceRE.ReplaceAllString(csp, "'nonce'") }
