package app_test

// The emailed-code flows (internal/experience codes.go, register_verify.go,
// reset.go, signin_code.go) through the real server and a real SMTP
// server (docs/security.md, issue 11 parts 2–4).

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

const codeRedirect = "https://app.example/cb"

// codeEnv is a server mailing through a test SMTP server, with a web app.
func codeEnv(t *testing.T, opts ...envOption) (*env, *testkit.SMTPServer, string) {
	t.Helper()
	srv := testkit.NewSMTPServer(t)
	e := newEnv(t, append([]envOption{withSMTP(srv)}, opts...)...)
	id, _ := e.app(t, store.AppTraditional, []string{codeRedirect}, nil)
	return e, srv, id
}

// start opens an authorization request in b and returns the sign-in page.
func (e *env) start(t *testing.T, b *browser, clientID string) *http.Response {
	t.Helper()
	resp, _ := e.startPKCE(t, b, clientID)
	return resp
}

// startPKCE is start that also returns the PKCE verifier.
func (e *env) startPKCE(t *testing.T, b *browser, clientID string) (*http.Response, string) {
	t.Helper()
	verifier, challenge := pkce()
	return b.get(t, e.authURL(clientID, codeRedirect, url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}})), verifier
}

var interactionRE = regexp.MustCompile(`interaction=([A-Za-z0-9_-]+)`)

// interactionOf is the pending request's id on a hosted page.
func interactionOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	m := interactionRE.FindStringSubmatch(resp.Request.URL.RawQuery)
	if m == nil {
		t.Fatalf("no interaction in %s", resp.Request.URL)
	}
	return m[1]
}

// submit reads the form on resp and posts it with fields.
func (b *browser) submit(t *testing.T, resp *http.Response, fields url.Values) (*http.Response, string) {
	t.Helper()
	body, action, csrf := page(t, resp)
	if action == "" || csrf == "" {
		t.Fatalf("no form on %s (status %d): %.400s", resp.Request.URL, resp.StatusCode, body)
	}
	fields.Set("csrf_token", csrf)
	if m := regexp.MustCompile(`name="v" value="([^"]*)"`).FindStringSubmatch(body); m != nil && fields.Get("v") == "" {
		fields.Set("v", m[1])
	}
	return b.post(t, action, fields), body
}

func TestRegisterWithEmailCode(t *testing.T) {
	e, srv, app := codeEnv(t)
	b := e.browser(t)
	signIn := e.start(t, b, app)
	ia := interactionOf(t, signIn)
	page(t, signIn)
	reg := b.get(t, e.URL+"/register?interaction="+ia)
	codePage, _ := b.submit(t, reg, url.Values{"username": {"newbie"}, "email": {"New.Bie@Example.com"},
		"password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}})
	if codePage.StatusCode != http.StatusOK || codePage.Request.URL.Path != "/register/verify" {
		t.Fatalf("after the form: %d at %s", codePage.StatusCode, codePage.Request.URL)
	}
	if _, err := e.Store.GetUserByLogin(context.Background(), "newbie"); err == nil {
		t.Fatal("the account exists before the code was entered")
	}
	code := srv.WaitForCode(t, "new.bie@example.com", 0)
	// A wrong code is refused and creates nothing.
	wrong := "000000"
	if code == wrong {
		wrong = "000001"
	}
	resp, body := b.submit(t, codePage, url.Values{"code": {wrong}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "new.bie@example.com") {
		t.Fatalf("wrong code: status %d", resp.StatusCode)
	}
	// The right one, pasted with spaces, creates the account and signs in.
	resp, _ = b.submit(t, resp, url.Values{"code": {code[:3] + " " + code[3:]}})
	cb := callback(t, resp, codeRedirect)
	if cb.Query().Get("code") == "" {
		t.Fatalf("no code in %s", cb)
	}
	u, err := e.Store.GetUserByLogin(context.Background(), "newbie")
	if err != nil || u.Email != "new.bie@example.com" || !u.EmailVerified {
		t.Fatalf("user = %+v, %v; want a verified address", u, err)
	}
}

// TestRegisterExistingEmailLooksTheSame: an address with an account gets
// the same answer as a fresh one; its owner gets a notice, no code, and
// the code step can never succeed (UI-09).
func TestRegisterExistingEmailLooksTheSame(t *testing.T) {
	e, srv, app := codeEnv(t)
	e.user(t, "owner", "owner password 1")
	run := func(username, email string) (int, string, string) {
		b := e.browser(t)
		ia := interactionOf(t, e.start(t, b, app))
		reg := b.get(t, e.URL+"/register?interaction="+ia)
		resp, _ := b.submit(t, reg, url.Values{"username": {username}, "email": {email},
			"password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}})
		body, _, _ := page(t, resp)
		return resp.StatusCode, resp.Request.URL.Path, normalize(body, email, ia)
	}
	st1, p1, b1 := run("fresh1", "fresh@example.com")
	st2, p2, b2 := run("fresh2", "owner@example.com")
	if st1 != st2 || p1 != p2 || b1 != b2 {
		t.Fatalf("fresh address: %d %s; registered address: %d %s; bodies equal: %v", st1, p1, st2, p2, b1 == b2)
	}
	notice := srv.WaitFor(t, "owner@example.com", 0)
	text, _, _ := testkit.MailParts(notice.Raw)
	if regexp.MustCompile(`(^|\D)\d{6}(\D|$)`).MatchString(text) {
		t.Fatalf("the owner's notice carries a code:\n%s", text)
	}
}

// normalize blanks what differs between two renders of one page: the
// address typed, the CSRF token, ids.
func normalize(body, email, interaction string) string {
	body = strings.ReplaceAll(body, email, "EMAIL")
	body = strings.ReplaceAll(body, interaction, "IA")
	body = regexp.MustCompile(`name="csrf_token" value="[^"]*"`).ReplaceAllString(body, "")
	body = regexp.MustCompile(`name="v" value="[^"]*"`).ReplaceAllString(body, "")
	// The language switch's links return to this page, verification id included.
	body = regexp.MustCompile(`href="/language\?[^"]*"`).ReplaceAllString(body, "")
	return regexp.MustCompile(`nonce="[^"]*"|nonce-[A-Za-z0-9+/=_-]+|Request ID[^<]*`).ReplaceAllString(body, "")
}

func TestPasswordReset(t *testing.T) {
	e, srv, app := codeEnv(t)
	e.user(t, "ada", "old password 123")
	// A session elsewhere, with a refresh token, from before the reset.
	other := e.browser(t)
	e.flow(t, other, app, codeRedirect, true, "ada", "old password 123", nil)

	b := e.browser(t)
	signIn := e.start(t, b, app)
	body, _, _ := page(t, signIn)
	ia := interactionOf(t, signIn)
	if !strings.Contains(body, `href="/reset-password?interaction=`) {
		t.Fatal("no Forgot password link on the sign-in page")
	}
	resetPage := b.get(t, e.URL+"/reset-password?interaction="+ia)
	codePage, _ := b.submit(t, resetPage, url.Values{"email": {"ADA@example.com"}})
	if codePage.StatusCode != http.StatusOK || !strings.HasPrefix(codePage.Request.URL.RawQuery, "interaction=") {
		t.Fatalf("after the address: %d at %s", codePage.StatusCode, codePage.Request.URL)
	}
	mailCode := srv.WaitForCode(t, "ada@example.com", 0)
	// A weak password is refused without spending the code.
	resp, _ := b.submit(t, codePage, url.Values{"code": {mailCode}, "password": {"short"}, "password_confirm": {"short"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("weak password: %d", resp.StatusCode)
	}
	resp, _ = b.submit(t, resp, url.Values{"code": {mailCode}, "password": {"new password 456"}, "password_confirm": {"new password 456"}})
	body, _, _ = page(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Your password has been changed") {
		t.Fatalf("after the reset: %d %.300s", resp.StatusCode, body)
	}
	// The old password is gone, the new one signs in.
	b2 := e.browser(t)
	if resp := b2.login(t, e.start(t, b2, app), "ada", "old password 123"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old password: status %d", resp.StatusCode)
	}
	b3 := e.browser(t)
	callback(t, b3.login(t, e.start(t, b3, app), "ada", "new password 456"), codeRedirect)
	// The other browser's session ended: it must sign in again.
	if resp := e.start(t, other, app); !strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
		t.Fatalf("the session from before the reset still signs in (at %s)", resp.Request.URL)
	}
}

// TestResetUnknownAddressLooksTheSame: no account, the same answer; no mail
// is sent and no code works (UI-09).
func TestResetUnknownAddressLooksTheSame(t *testing.T) {
	e, srv, app := codeEnv(t)
	e.user(t, "ada", "old password 123")
	run := func(email string) (int, string) {
		b := e.browser(t)
		ia := interactionOf(t, e.start(t, b, app))
		resp, _ := b.submit(t, b.get(t, e.URL+"/reset-password?interaction="+ia), url.Values{"email": {email}})
		body, _, _ := page(t, resp)
		return resp.StatusCode, normalize(body, email, ia)
	}
	s1, b1 := run("ada@example.com")
	s2, b2 := run("nobody@example.com")
	if s1 != s2 || b1 != b2 {
		t.Fatalf("known: %d, unknown: %d, bodies equal: %v", s1, s2, b1 == b2)
	}
	srv.WaitFor(t, "ada@example.com", 0)
	for _, m := range srv.Mails() {
		for _, to := range m.To {
			if to == "nobody@example.com" {
				t.Fatal("a mail to an address without an account")
			}
		}
	}
}

// TestResetCannotSkipTheCode: the last step without a valid code of this
// flow changes nothing (UI-11): no code, a made-up id, a sign-in code.
func TestResetCannotSkipTheCode(t *testing.T) {
	e, srv, app := codeEnv(t)
	u := e.user(t, "ada", "old password 123")
	enablePasswordless(t, e)
	b := e.browser(t)
	ia := interactionOf(t, e.start(t, b, app))
	resetPage := b.get(t, e.URL+"/reset-password?interaction="+ia)
	_, _, csrf := page(t, resetPage)
	post := func(v, code string) int {
		resp := b.post(t, "/reset-password?interaction="+ia, url.Values{"csrf_token": {csrf}, "v": {v}, "code": {code},
			"password": {"new password 456"}, "password_confirm": {"new password 456"}})
		page(t, resp)
		return resp.StatusCode
	}
	if st := post("made-up-id", "123456"); st != http.StatusBadRequest {
		t.Fatalf("made-up id: %d", st)
	}
	// A sign-in code of the same address is not a reset code.
	signInPage := b.get(t, e.URL+"/sign-in/code?interaction="+ia)
	codePage, _ := b.submit(t, signInPage, url.Values{"email": {"ada@example.com"}})
	vid := regexp.MustCompile(`name="v" value="([^"]*)"`).FindStringSubmatch(mustBody(t, codePage))[1]
	code := srv.WaitForCode(t, "ada@example.com", 0)
	if st := post(vid, code); st != http.StatusBadRequest {
		t.Fatalf("a sign-in code used for a reset: %d", st)
	}
	got, _ := e.Store.GetUser(context.Background(), u.ID)
	if got.PasswordHash != u.PasswordHash {
		t.Fatal("the password changed")
	}
	// Without the CSRF token: refused.
	resp := b.post(t, "/reset-password?interaction="+ia, url.Values{"email": {"ada@example.com"}})
	page(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", resp.StatusCode)
	}
}

func mustBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	body, _, _ := page(t, resp)
	return body
}

func enablePasswordless(t *testing.T, e *env) {
	t.Helper()
	s := &signinexp.Service{Store: e.Store, AllowRegistration: true}
	if _, _, err := s.Update(context.Background(), []byte(`{"signIn":{"methods":[{"identifier":"username","password":true},{"identifier":"email","password":true,"verificationCode":true}]}}`)); err != nil {
		t.Fatal(err)
	}
}

func TestSignInWithEmailCode(t *testing.T) {
	e, srv, _ := codeEnv(t)
	app, secret := e.app(t, store.AppTraditional, []string{codeRedirect}, nil)
	e.user(t, "ada", "old password 123")
	b := e.browser(t)
	signIn, verifier := e.startPKCE(t, b, app)
	ia := interactionOf(t, signIn)
	if body, _, _ := page(t, signIn); strings.Contains(body, "/sign-in/code") {
		t.Fatal("the code sign-in link shows while the settings have it off")
	}
	if resp := b.get(t, e.URL+"/sign-in/code?interaction="+ia); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("code sign-in while off: %d", resp.StatusCode)
	}
	enablePasswordless(t, e)
	codePage, _ := b.submit(t, b.get(t, e.URL+"/sign-in/code?interaction="+ia), url.Values{"email": {"ada@example.com"}})
	code := srv.WaitForCode(t, "ada@example.com", 0)
	body, action, csrf := page(t, codePage)
	vid := regexp.MustCompile(`name="v" value="([^"]*)"`).FindStringSubmatch(body)[1]
	resp := b.post(t, action, url.Values{"csrf_token": {csrf}, "v": {vid}, "code": {code}})
	cb := callback(t, resp, codeRedirect)
	if cb.Query().Get("code") == "" {
		t.Fatalf("no code in %s", cb)
	}
	// The ID token says how the user signed in: an emailed one-time code.
	st, tok := e.exchange(t, app, secret, cb.Query().Get("code"), verifier, codeRedirect)
	if st != http.StatusOK {
		t.Fatalf("token: %d %v", st, tok)
	}
	idt, _ := tok["id_token"].(string)
	if amr := fmt.Sprint(unsafeClaims(t, idt, jose.ES384)["amr"]); amr != "[otp]" {
		t.Fatalf("amr = %s, want [otp]", amr)
	}
}

// TestCodeSendLimits: the sixth code to one address within the hour is
// refused with 429 and Retry-After (UI-08).
func TestCodeSendLimits(t *testing.T) {
	e, _, app := codeEnv(t)
	e.user(t, "ada", "old password 123")
	b := e.browser(t)
	ia := interactionOf(t, e.start(t, b, app))
	var last *http.Response
	for i := range 6 {
		last, _ = b.submit(t, b.get(t, e.URL+"/reset-password?interaction="+ia), url.Values{"email": {"ada@example.com"}})
		if i < 5 && last.StatusCode != http.StatusOK {
			t.Fatalf("send %d: %d", i+1, last.StatusCode)
		}
	}
	page(t, last)
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth send: %d, Retry-After %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
}

// TestCodeMailLinksIgnoreHost: a forged Host or X-Forwarded-Host never
// reaches a mail (UI-11).
func TestCodeMailLinksIgnoreHost(t *testing.T) {
	e, srv, app := codeEnv(t)
	e.user(t, "ada", "old password 123")
	b := e.browser(t)
	ia := interactionOf(t, e.start(t, b, app))
	_, _, csrf := page(t, b.get(t, e.URL+"/reset-password?interaction="+ia))
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/reset-password?interaction="+ia,
		strings.NewReader(url.Values{"csrf_token": {csrf}, "email": {"ada@example.com"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.URL)
	req.Header.Set("X-Forwarded-Host", "evil.example")
	req.Header.Set("Forwarded", "host=evil.example")
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page(t, resp)
	m := srv.WaitFor(t, "ada@example.com", 0)
	if strings.Contains(string(m.Raw), "evil.example") {
		t.Fatal("the forged host reached the mail")
	}
}
