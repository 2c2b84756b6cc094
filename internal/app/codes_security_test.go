package app_test

// Security cases of the emailed-code flows that codes_test.go leaves out:
// a code spent once, five wrong tries, a code of another flow or another
// request, the code step posted without its first step, CSRF and Origin
// on every new form, and forged hosts in the registration and sign-in
// mails (docs/security.md, "Emailed codes: tests").

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/testkit"
)

var vidRE = regexp.MustCompile(`name="v" value="([^"]*)"`)

// codeStep is a flow's code step reached in b: the page, the request's
// interaction id and the code record's id (v).
type codeStep struct {
	page *http.Response
	ia   string
	vid  string
}

// askCode starts an authorization request in b and asks for a code at
// path (/sign-in/code or /reset-password) for email.
func askCode(t *testing.T, e *env, b *browser, app, path, email string) codeStep {
	t.Helper()
	ia := interactionOf(t, e.start(t, b, app))
	resp, _ := b.submit(t, b.get(t, e.URL+path+"?interaction="+ia), url.Values{"email": {email}})
	m := vidRE.FindStringSubmatch(mustBody(t, resp))
	if resp.StatusCode != http.StatusOK || m == nil || m[1] == "" {
		t.Fatalf("%s: no code step (status %d at %s)", path, resp.StatusCode, resp.Request.URL)
	}
	return codeStep{page: resp, ia: ia, vid: m[1]}
}

// askRegisterCode fills in the registration form in b.
func askRegisterCode(t *testing.T, e *env, b *browser, app, username, email string) codeStep {
	t.Helper()
	ia := interactionOf(t, e.start(t, b, app))
	resp, _ := b.submit(t, b.get(t, e.URL+"/register?interaction="+ia), url.Values{"username": {username}, "email": {email},
		"password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}})
	m := vidRE.FindStringSubmatch(mustBody(t, resp))
	if resp.StatusCode != http.StatusOK || m == nil || resp.Request.URL.Path != "/register/verify" {
		t.Fatalf("register: no code step (status %d at %s)", resp.StatusCode, resp.Request.URL)
	}
	return codeStep{page: resp, ia: ia, vid: m[1]}
}

// postCode posts v and code (and extra fields) to path for interaction ia
// with b's CSRF token from a fresh page of ia, and returns the answer.
func postCode(t *testing.T, e *env, b *browser, path, ia, vid, code string, extra url.Values) *http.Response {
	t.Helper()
	resp, _ := postCodeBody(t, e, b, path, ia, vid, code, extra)
	return resp
}

// postCodeBody is postCode that also returns the answer's body.
func postCodeBody(t *testing.T, e *env, b *browser, path, ia, vid, code string, extra url.Values) (*http.Response, string) {
	t.Helper()
	_, _, csrf := page(t, b.get(t, e.URL+"/sign-in?interaction="+ia))
	form := url.Values{"csrf_token": {csrf}, "v": {vid}, "code": {code}}
	for k, v := range extra {
		form[k] = v
	}
	resp := b.post(t, path+"?interaction="+ia, form)
	body, _, _ := page(t, resp)
	return resp, body
}

// signedIn reports whether resp is a redirect to the app (the flow ended
// with a session).
func signedIn(resp *http.Response) bool {
	return resp.StatusCode/100 == 3 && strings.HasPrefix(resp.Header.Get("Location"), codeRedirect)
}

func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

var newPassword = url.Values{"password": {"new password 456"}, "password_confirm": {"new password 456"}}

// TestCodeSpentOnce: a reset code works once; posted again (with another
// new password) it is refused and the first new password stays.
func TestCodeSpentOnce(t *testing.T) {
	e, srv, app := codeEnv(t)
	u := e.user(t, "ada", "old password 123")
	b := e.browser(t)
	st := askCode(t, e, b, app, "/reset-password", "ada@example.com")
	code := srv.WaitForCode(t, "ada@example.com", 0)
	if resp := postCode(t, e, b, "/reset-password", st.ia, st.vid, code, newPassword); resp.StatusCode != http.StatusOK {
		t.Fatalf("first use: %d", resp.StatusCode)
	}
	after, _ := e.Store.GetUser(context.Background(), u.ID)
	if after.PasswordHash == u.PasswordHash {
		t.Fatal("the first use did not change the password")
	}
	again := url.Values{"password": {"other password 789"}, "password_confirm": {"other password 789"}}
	if resp := postCode(t, e, b, "/reset-password", st.ia, st.vid, code, again); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("second use: %d, want 400", resp.StatusCode)
	}
	if got, _ := e.Store.GetUser(context.Background(), u.ID); got.PasswordHash != after.PasswordHash {
		t.Fatal("the second use changed the password again")
	}

	// A sign-in code: the second post signs nobody in.
	enablePasswordless(t, e)
	b2 := e.browser(t)
	st2 := askCode(t, e, b2, app, "/sign-in/code", "ada@example.com")
	code2 := srv.WaitForCode(t, "ada@example.com", 1)
	if resp := postCode(t, e, b2, "/sign-in/code", st2.ia, st2.vid, code2, nil); !signedIn(resp) {
		t.Fatalf("first use of the sign-in code: %d", resp.StatusCode)
	}
	b3 := e.browser(t) // a fresh browser: no session to fall back on
	ia3 := interactionOf(t, e.start(t, b3, app))
	if resp := postCode(t, e, b3, "/sign-in/code", ia3, st2.vid, code2, nil); signedIn(resp) || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("the spent sign-in code in another request: %d", resp.StatusCode)
	}
}

// TestFiveWrongCodes: after five wrong tries the right code is refused too
// (docs/security.md, UI-08), in each flow.
func TestFiveWrongCodes(t *testing.T) {
	e, srv, app := codeEnv(t)
	u := e.user(t, "ada", "old password 123")
	enablePasswordless(t, e)
	ctx := context.Background()

	for n, path := range []string{"/sign-in/code", "/reset-password"} {
		b := e.browser(t)
		st := askCode(t, e, b, app, path, "ada@example.com")
		code := srv.WaitForCode(t, "ada@example.com", n)
		for i := range 5 {
			if resp := postCode(t, e, b, path, st.ia, st.vid, wrongCode(code), newPassword); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s: wrong code %d: %d", path, i+1, resp.StatusCode)
			}
		}
		resp := postCode(t, e, b, path, st.ia, st.vid, code, newPassword)
		if signedIn(resp) || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: the right code after five wrong ones: %d", path, resp.StatusCode)
		}
	}
	if got, _ := e.Store.GetUser(ctx, u.ID); got.PasswordHash != u.PasswordHash {
		t.Fatal("the password changed")
	}

	b := e.browser(t)
	st := askRegisterCode(t, e, b, app, "newbie", "newbie@example.com")
	code := srv.WaitForCode(t, "newbie@example.com", 0)
	for range 5 {
		postCode(t, e, b, "/register/verify", st.ia, st.vid, wrongCode(code), nil)
	}
	if resp := postCode(t, e, b, "/register/verify", st.ia, st.vid, code, nil); signedIn(resp) || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("register: the right code after five wrong ones: %d", resp.StatusCode)
	}
	if _, err := e.Store.GetUserByLogin(ctx, "newbie"); err == nil {
		t.Fatal("the account was created")
	}
}

// TestCodeOfAnotherFlowOrRequest: a code only works in the flow and the
// authorization request it was sent for (UI-11).
func TestCodeOfAnotherFlowOrRequest(t *testing.T) {
	e, srv, app := codeEnv(t)
	u := e.user(t, "ada", "old password 123")
	enablePasswordless(t, e)
	ctx := context.Background()

	// A registration code at the code sign-in step and at the reset step.
	b := e.browser(t)
	reg := askRegisterCode(t, e, b, app, "newbie", "newbie@example.com")
	regCode := srv.WaitForCode(t, "newbie@example.com", 0)
	if resp := postCode(t, e, b, "/sign-in/code", reg.ia, reg.vid, regCode, nil); signedIn(resp) || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("registration code at /sign-in/code: %d", resp.StatusCode)
	}
	if resp := postCode(t, e, b, "/reset-password", reg.ia, reg.vid, regCode, newPassword); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("registration code at /reset-password: %d", resp.StatusCode)
	}

	// A reset code at the code sign-in step.
	b2 := e.browser(t)
	rs := askCode(t, e, b2, app, "/reset-password", "ada@example.com")
	rsCode := srv.WaitForCode(t, "ada@example.com", 0)
	if resp := postCode(t, e, b2, "/sign-in/code", rs.ia, rs.vid, rsCode, nil); signedIn(resp) || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("reset code at /sign-in/code: %d", resp.StatusCode)
	}

	// A sign-in code at the registration step.
	b3 := e.browser(t)
	si := askCode(t, e, b3, app, "/sign-in/code", "ada@example.com")
	siCode := srv.WaitForCode(t, "ada@example.com", 1)
	if resp := postCode(t, e, b3, "/register/verify", si.ia, si.vid, siCode, nil); signedIn(resp) || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("sign-in code at /register/verify: %d", resp.StatusCode)
	}

	// The sign-in code in another authorization request (another browser).
	b4 := e.browser(t)
	ia4 := interactionOf(t, e.start(t, b4, app))
	if resp := postCode(t, e, b4, "/sign-in/code", ia4, si.vid, siCode, nil); signedIn(resp) || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("sign-in code in another request: %d", resp.StatusCode)
	}

	// None of the above spent the codes of their own flows, and nothing
	// changed.
	if _, err := e.Store.GetUserByLogin(ctx, "newbie"); err == nil {
		t.Fatal("an account was created")
	}
	if got, _ := e.Store.GetUser(ctx, u.ID); got.PasswordHash != u.PasswordHash {
		t.Fatal("the password changed")
	}
	if resp := postCode(t, e, b3, "/sign-in/code", si.ia, si.vid, siCode, nil); !signedIn(resp) {
		t.Fatalf("the sign-in code in its own flow after the misuses: %d", resp.StatusCode)
	}
	if resp := postCode(t, e, b, "/register/verify", reg.ia, reg.vid, regCode, nil); !signedIn(resp) {
		t.Fatalf("the registration code in its own flow after the misuses: %d", resp.StatusCode)
	}
}

// TestCodeStepWithoutFirstStep: the code steps of registration and code
// sign-in posted without a code of theirs (no v, a made-up v) refuse and
// create or sign in nothing (UI-11; the reset case is in
// TestResetCannotSkipTheCode).
func TestCodeStepWithoutFirstStep(t *testing.T) {
	e, _, app := codeEnv(t)
	e.user(t, "ada", "old password 123")
	enablePasswordless(t, e)
	b := e.browser(t)
	ia := interactionOf(t, e.start(t, b, app))
	for _, path := range []string{"/register/verify", "/sign-in/code"} {
		for _, vid := range []string{"made-up-id", strings.Repeat("A", 43)} {
			resp := postCode(t, e, b, path, ia, vid, "123456", url.Values{"username": {"sneaky"}, "email": {"sneaky@example.com"},
				"password": {"correct horse battery"}})
			if signedIn(resp) || (resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusForbidden) {
				t.Errorf("%s with v=%q: %d, want 400 or 403", path, vid, resp.StatusCode)
			}
		}
	}
	// /register/verify without any v: not a code step at all.
	if resp := postCode(t, e, b, "/register/verify", ia, "", "123456", nil); signedIn(resp) || resp.StatusCode >= 500 ||
		resp.StatusCode < 400 {
		t.Errorf("/register/verify without v: %d, want 4xx", resp.StatusCode)
	}
	if _, err := e.Store.GetUserByLogin(context.Background(), "sneaky"); err == nil {
		t.Fatal("an account was created without a code")
	}
}

// TestCodeFormsNeedCSRFAndOrigin: every form of the three flows refuses a
// post without the CSRF token, and one from another origin.
func TestCodeFormsNeedCSRFAndOrigin(t *testing.T) {
	e, srv, app := codeEnv(t)
	e.user(t, "ada", "old password 123")
	enablePasswordless(t, e)
	b := e.browser(t)
	si := askCode(t, e, b, app, "/sign-in/code", "ada@example.com")
	code := srv.WaitForCode(t, "ada@example.com", 0)
	reg := askRegisterCode(t, e, b, app, "newbie", "newbie@example.com")
	regCode := srv.WaitForCode(t, "newbie@example.com", 0)
	forms := []struct {
		name, path string
		form       url.Values
	}{
		{"registration code", "/register/verify?interaction=" + reg.ia, url.Values{"v": {reg.vid}, "code": {regCode}}},
		{"code sign-in address", "/sign-in/code?interaction=" + si.ia, url.Values{"email": {"ada@example.com"}}},
		{"code sign-in code", "/sign-in/code?interaction=" + si.ia, url.Values{"v": {si.vid}, "code": {code}}},
		{"reset address", "/reset-password?interaction=" + si.ia, url.Values{"email": {"ada@example.com"}}},
		{"reset code", "/reset-password?interaction=" + si.ia, url.Values{"v": {si.vid}, "code": {code},
			"password": {"new password 456"}, "password_confirm": {"new password 456"}}},
	}
	for _, f := range forms {
		resp := b.post(t, f.path, f.form)
		page(t, resp)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without a CSRF token: %d, want 403", f.name, resp.StatusCode)
		}
		_, _, csrf := page(t, b.get(t, e.URL+"/sign-in?interaction="+si.ia))
		withToken := url.Values{"csrf_token": {csrf}}
		for k, v := range f.form {
			withToken[k] = v
		}
		evil := &browser{&testkit.Browser{Base: b.Base, Origin: "https://evil.example", Client: b.Client}}
		resp = evil.post(t, f.path, withToken)
		page(t, resp)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s from another origin: %d, want 403", f.name, resp.StatusCode)
		}
	}
	if n := len(srv.Mails()); n != 2 {
		t.Errorf("%d mails sent, want 2 (the refused posts sent none)", n)
	}
	// Both codes still work: the refused posts spent nothing.
	if resp := postCode(t, e, b, "/register/verify", reg.ia, reg.vid, regCode, nil); !signedIn(resp) {
		t.Fatalf("the registration code after the refused posts: %d", resp.StatusCode)
	}
	if resp := postCode(t, e, b, "/sign-in/code", si.ia, si.vid, code, nil); !signedIn(resp) {
		t.Fatalf("the sign-in code after the refused posts: %d", resp.StatusCode)
	}
}

// TestCodeMailsIgnoreForgedHost: registration and sign-in mails carry no
// host from the request (UI-11; the reset mail is in
// TestCodeMailLinksIgnoreHost).
func TestCodeMailsIgnoreForgedHost(t *testing.T) {
	e, srv, app := codeEnv(t)
	e.user(t, "ada", "old password 123")
	enablePasswordless(t, e)
	b := e.browser(t)
	forged := func(path, ia string, form url.Values, host string) int {
		t.Helper()
		_, _, csrf := page(t, b.get(t, e.URL+path+"?interaction="+ia))
		form.Set("csrf_token", csrf)
		req, _ := http.NewRequest(http.MethodPost, e.URL+path+"?interaction="+ia, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.URL)
		if host != "" {
			req.Host = host
		}
		req.Header.Set("X-Forwarded-Host", "evil.example")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("Forwarded", "host=evil.example;proto=https")
		resp, err := b.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page(t, resp)
		return resp.StatusCode
	}
	ia := interactionOf(t, e.start(t, b, app))
	// A forged Host header is refused outright (the Origin no longer
	// matches), so it can reach no mail either.
	if st := forged("/sign-in/code", ia, url.Values{"email": {"ada@example.com"}}, "evil.example"); st != http.StatusForbidden {
		t.Errorf("a post with a forged Host: %d, want 403", st)
	}
	for _, f := range []struct {
		path string
		form url.Values
	}{
		{"/register", url.Values{"username": {"newbie"}, "email": {"newbie@example.com"},
			"password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}}},
		{"/register", url.Values{"username": {"other"}, "email": {"ada@example.com"},
			"password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}}},
		{"/sign-in/code", url.Values{"email": {"ada@example.com"}}},
	} {
		if st := forged(f.path, ia, f.form, ""); st != http.StatusOK {
			t.Fatalf("%s with X-Forwarded-Host: %d", f.path, st)
		}
	}
	for _, m := range []testkit.SMTPMail{srv.WaitFor(t, "newbie@example.com", 0), srv.WaitFor(t, "ada@example.com", 0), srv.WaitFor(t, "ada@example.com", 1)} {
		if strings.Contains(strings.ToLower(string(m.Raw)), "evil.example") {
			t.Errorf("a forged host reached the mail to %v", m.To)
		}
		// The mail names the server, from the configured endpoint.
		if text, _, err := testkit.MailParts(m.Raw); err != nil || !strings.Contains(text, e.URL) {
			t.Errorf("the mail to %v does not name the configured endpoint %s (%v)", m.To, e.URL, err)
		}
	}
}

// TestSignInCodeUnknownAddressLooksTheSame: code sign-in answers an
// address without an account like one with (UI-09), and mails only the
// latter.
func TestSignInCodeUnknownAddressLooksTheSame(t *testing.T) {
	e, srv, app := codeEnv(t)
	e.user(t, "ada", "old password 123")
	enablePasswordless(t, e)
	run := func(email string) (int, string, string) {
		b := e.browser(t)
		ia := interactionOf(t, e.start(t, b, app))
		resp, _ := b.submit(t, b.get(t, e.URL+"/sign-in/code?interaction="+ia), url.Values{"email": {email}})
		body := mustBody(t, resp)
		vid := vidRE.FindStringSubmatch(body)
		if vid != nil {
			body = strings.ReplaceAll(body, vid[1], "VID")
		}
		return resp.StatusCode, resp.Request.URL.Path, normalize(body, email, ia)
	}
	s1, p1, b1 := run("ada@example.com")
	s2, p2, b2 := run("nobody@example.com")
	if s1 != s2 || p1 != p2 || b1 != b2 {
		t.Fatalf("known: %d %s, unknown: %d %s, bodies equal: %v", s1, p1, s2, p2, b1 == b2)
	}
	srv.WaitFor(t, "ada@example.com", 0)
	for _, m := range srv.Mails() {
		for _, to := range m.To {
			if strings.EqualFold(to, "nobody@example.com") {
				t.Fatal("a mail to an address without an account")
			}
		}
	}
}

// TestResendReplacesTheCode: "Send a new code" makes the earlier code of
// the flow stop working, as the page says, in code sign-in and
// registration.
func TestResendReplacesTheCode(t *testing.T) {
	e, srv, app := codeEnv(t)
	e.user(t, "ada", "old password 123")
	enablePasswordless(t, e)
	for _, f := range []struct{ path, email string }{{"/sign-in/code", "ada@example.com"}, {"/register/verify", "newbie@example.com"}} {
		b := e.browser(t)
		var st codeStep
		if f.path == "/register/verify" {
			st = askRegisterCode(t, e, b, app, "newbie", f.email)
		} else {
			st = askCode(t, e, b, app, f.path, f.email)
		}
		old := srv.WaitForCode(t, f.email, 0)
		resp, body := postCodeBody(t, e, b, f.path, st.ia, st.vid, "", url.Values{"resend": {"1"}})
		m := vidRE.FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || m == nil || m[1] == st.vid {
			t.Fatalf("%s: resend: %d", f.path, resp.StatusCode)
		}
		fresh := srv.WaitForCode(t, f.email, 1)
		if resp := postCode(t, e, b, f.path, st.ia, st.vid, old, nil); signedIn(resp) || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: the earlier code after a resend: %d", f.path, resp.StatusCode)
		}
		if resp := postCode(t, e, b, f.path, st.ia, m[1], fresh, nil); !signedIn(resp) {
			t.Fatalf("%s: the new code: %d", f.path, resp.StatusCode)
		}
	}
}
