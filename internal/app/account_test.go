package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/passkey"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/testkit"
)

// accountSignIn opens /account in a fresh browser, signs in as u through
// the sign-in experience and returns the browser and the account page's
// body and CSRF token.
func (m *mfaEnv) accountSignIn(t *testing.T, username, pw string) (*browser, string, string) {
	t.Helper()
	b := m.browser(t)
	resp := b.get(t, m.URL+"/account")
	resp = b.login(t, resp, username, pw)
	body, _, csrf := page(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/account" || !strings.Contains(body, "Signed in as "+username) {
		t.Fatalf("after sign-in: %d at %s: %.400s", resp.StatusCode, resp.Request.URL, body)
	}
	return b, body, csrf
}

// accountPost posts form (with the CSRF token) to an account path and
// returns status, final path and body.
func accountPost(t *testing.T, b *browser, path, csrf string, form url.Values) (int, string, string) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if csrf != "" {
		form.Set("csrf_token", csrf)
	}
	resp := b.post(t, "/account"+path, form)
	body, _, _ := page(t, resp)
	return resp.StatusCode, resp.Request.URL.Path + "?" + resp.Request.URL.RawQuery, body
}

func (m *mfaEnv) reauth(t *testing.T, b *browser, csrf string, form url.Values) (int, string) {
	t.Helper()
	st, at, _ := accountPost(t, b, "/reauth", csrf, form)
	return st, at
}

func (m *mfaEnv) passwordMatches(t *testing.T, userID, pw string) bool {
	t.Helper()
	u, err := m.Store.GetUser(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return password.Verify(context.Background(), pw, u.PasswordHash) == nil
}

// TestAccountSignInAndName: without a session /account runs the sign-in
// and comes back; the name form saves; forms without a CSRF token or
// from another origin change nothing (UI-01).
func TestAccountSignInAndName(t *testing.T) {
	m := newMFAEnv(t)
	u := m.user(t, "alice", "correct horse battery")
	b, _, csrf := m.accountSignIn(t, "alice", "correct horse battery")

	st, at, body := accountPost(t, b, "/name", csrf, url.Values{"name": {"  Alice Liddell "}})
	if st != http.StatusOK || at != "/account?done=name" || !strings.Contains(body, "Your name was saved.") || !strings.Contains(body, `value="Alice Liddell"`) {
		t.Fatalf("name: %d %s %.300s", st, at, body)
	}
	if got, _ := m.Store.GetUser(context.Background(), u.ID); got.Name != "Alice Liddell" {
		t.Fatalf("stored name %q", got.Name)
	}
	if strings.Contains(body, "sesame-account") {
		t.Error("the session list names the account pages' own client as an app")
	}
	if st, _, _ := accountPost(t, b, "/name", "", url.Values{"name": {"Mallory"}}); st != http.StatusForbidden {
		t.Fatalf("name without CSRF token: %d", st)
	}
	b.Origin = "https://evil.example"
	if st, _, _ := accountPost(t, b, "/name", csrf, url.Values{"name": {"Mallory"}}); st != http.StatusForbidden {
		t.Fatalf("name from another origin: %d", st)
	}
	if got, _ := m.Store.GetUser(context.Background(), u.ID); got.Name != "Alice Liddell" {
		t.Fatalf("refused posts changed the name to %q", got.Name)
	}
	// Without a session a POST is refused, not redirected.
	if st, _, _ := accountPost(t, m.browser(t), "/name", csrf, url.Values{"name": {"x"}}); st != http.StatusUnauthorized {
		t.Fatalf("name without session: %d", st)
	}
}

// TestAccountStepUpRequired: every sensitive POST without a recent
// step-up is 403 and changes nothing (UI-13); a TOTP being enrolled
// cannot satisfy its own step-up.
func TestAccountStepUpRequired(t *testing.T) {
	m := newMFAEnv(t)
	u := m.user(t, "bob", "correct horse battery")
	other := m.user(t, "carol", "correct horse battery")
	b, _, csrf := m.accountSignIn(t, "bob", "correct horse battery")
	b2, _, _ := m.accountSignIn(t, "bob", "correct horse battery")
	_, _, _ = m.accountSignIn(t, "carol", "correct horse battery")
	ctx := context.Background()
	sessions, _ := m.Store.ListUserSessions(ctx, u.ID, time.Now())
	if len(sessions) != 2 {
		t.Fatalf("bob has %d sessions", len(sessions))
	}
	carol, _ := m.Store.ListUserSessions(ctx, other.ID, time.Now())

	// A TOTP secret the attacker holds, with a valid code of it.
	e, err := m.svc.BeginTOTP(u)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/password", url.Values{"new_password": {"a whole new passphrase"}, "confirm_password": {"a whole new passphrase"}}},
		{"/totp", url.Values{"secret": {e.Secret}, "code": {m.code(t, e.Secret)}}},
		{"/totp/remove", nil},
		{"/backup-codes", nil},
		{"/sessions/end-others", nil},
		{"/sessions/end", url.Values{"sid": {sessions[0].SID}}}, // b2's (newest first)
	} {
		st, _, body := accountPost(t, b, c.path, csrf, c.form)
		if st != http.StatusForbidden || !strings.Contains(body, "Nothing was changed") {
			t.Errorf("%s without step-up: %d %.200s", c.path, st, body)
		}
	}
	if !m.passwordMatches(t, u.ID, "correct horse battery") {
		t.Error("password changed without step-up")
	}
	if fs, _ := m.svc.Factors(ctx, u.ID); len(fs) != 0 {
		t.Errorf("factors after refused posts: %v", fs)
	}
	if after, _ := m.Store.ListUserSessions(ctx, u.ID, time.Now()); len(after) != 2 {
		t.Errorf("sessions after refused posts: %d", len(after))
	}
	// The not-yet-enrolled TOTP is no factor for the step-up either.
	if st, _ := m.reauth(t, b, csrf, url.Values{"code": {m.code(t, e.Secret)}}); st != http.StatusUnauthorized {
		t.Errorf("step-up with a code of an unenrolled secret: %d", st)
	}
	if st, _ := m.reauth(t, b, csrf, url.Values{"password": {"wrong password"}}); st != http.StatusUnauthorized {
		t.Errorf("step-up with a wrong password: %d", st)
	}
	if st, _, _ := accountPost(t, b, "/password", csrf, url.Values{"new_password": {"a whole new passphrase"},
		"confirm_password": {"a whole new passphrase"}}); st != http.StatusForbidden {
		t.Errorf("password after failed step-ups: %d", st)
	}
	// Another user's session id is not this user's to end, even after a step-up.
	if st, at := m.reauth(t, b, csrf, url.Values{"password": {"correct horse battery"}}); st != http.StatusOK || at != "/account?" {
		t.Fatalf("step-up: %d %s", st, at)
	}
	if st, _, _ := accountPost(t, b, "/sessions/end", csrf, url.Values{"sid": {carol[0].SID}}); st != http.StatusNotFound {
		t.Errorf("ending another user's session: %d", st)
	}
	if left, _ := m.Store.ListUserSessions(ctx, other.ID, time.Now()); len(left) != 1 {
		t.Errorf("carol's sessions: %d", len(left))
	}
	// The step-up lasts 5 minutes.
	m.offset.Add(int64(6 * time.Minute))
	if st, _, _ := accountPost(t, b, "/sessions/end-others", csrf, nil); st != http.StatusForbidden {
		t.Errorf("end-others 6 minutes after the step-up: %d", st)
	}
	if resp := b2.get(t, m.URL+"/account"); resp.Request.URL.Path != "/account" {
		t.Errorf("bob's other browser was signed out: %s", resp.Request.URL)
	}
}

// TestAccountPasswordAndSessions: after a step-up the password changes
// (policy applies), other sessions end and this browser stays signed in;
// one other session and all others can be ended.
func TestAccountPasswordAndSessions(t *testing.T) {
	m := newMFAEnv(t)
	u := m.user(t, "dave", "correct horse battery")
	b, _, csrf := m.accountSignIn(t, "dave", "correct horse battery")
	b2, _, _ := m.accountSignIn(t, "dave", "correct horse battery")
	if st, at := m.reauth(t, b, csrf, url.Values{"password": {"correct horse battery"}, "return_to": {"//evil.example/x"}}); st != http.StatusOK || at != "/account?" {
		t.Fatalf("step-up with a foreign return_to: %d %s", st, at)
	}
	if st, _, body := accountPost(t, b, "/password", csrf, url.Values{"new_password": {"short"}, "confirm_password": {"short"}}); st != http.StatusBadRequest ||
		!strings.Contains(body, "This password cannot be used") {
		t.Fatalf("weak password: %d %.300s", st, body)
	}
	if st, _, body := accountPost(t, b, "/password", csrf, url.Values{"new_password": {"a whole new passphrase"}, "confirm_password": {"another"}}); st != http.StatusBadRequest ||
		!strings.Contains(body, "not the same") {
		t.Fatalf("mismatch: %d %.300s", st, body)
	}
	st, at, body := accountPost(t, b, "/password", csrf, url.Values{"new_password": {"a whole new passphrase"}, "confirm_password": {"a whole new passphrase"}})
	if st != http.StatusOK || at != "/account?done=password" || !strings.Contains(body, "Your password was changed") {
		t.Fatalf("password: %d %s %.300s", st, at, body)
	}
	if !m.passwordMatches(t, u.ID, "a whole new passphrase") {
		t.Fatal("password not stored")
	}
	if resp := b2.get(t, m.URL+"/account"); resp.Request.URL.Path != "/sign-in" {
		t.Errorf("the other browser is still signed in: %s", resp.Request.URL)
	}
	list, _ := m.Store.ListUserSessions(context.Background(), u.ID, time.Now())
	if len(list) != 1 {
		t.Fatalf("sessions after the password change: %d", len(list))
	}

	// Two more browsers; end one, then all others.
	b3, _, _ := m.accountSignIn(t, "dave", "a whole new passphrase")
	b4, _, _ := m.accountSignIn(t, "dave", "a whole new passphrase")
	resp := b.get(t, m.URL+"/account")
	_, _, csrf = page(t, resp)
	if st, _ := m.reauth(t, b, csrf, url.Values{"password": {"a whole new passphrase"}}); st != http.StatusOK {
		t.Fatalf("step-up on the fresh session: %d", st)
	}
	list, _ = m.Store.ListUserSessions(context.Background(), u.ID, time.Now()) // newest first: b4, b3, b
	if st, at, _ := accountPost(t, b, "/sessions/end", csrf, url.Values{"sid": {list[0].SID}}); st != http.StatusOK || at != "/account?done=session_ended" {
		t.Fatalf("end one: %d %s", st, at)
	}
	if resp := b4.get(t, m.URL+"/account"); resp.Request.URL.Path != "/sign-in" {
		t.Errorf("ended session still works: %s", resp.Request.URL)
	}
	if resp := b3.get(t, m.URL+"/account"); resp.Request.URL.Path != "/account" {
		t.Errorf("untouched session ended: %s", resp.Request.URL)
	}
	if st, at, _ := accountPost(t, b, "/sessions/end-others", csrf, nil); st != http.StatusOK || at != "/account?done=others_ended" {
		t.Fatalf("end others: %d %s", st, at)
	}
	if resp := b3.get(t, m.URL+"/account"); resp.Request.URL.Path != "/sign-in" {
		t.Errorf("other session still works: %s", resp.Request.URL)
	}
	if list, _ = m.Store.ListUserSessions(context.Background(), u.ID, time.Now()); len(list) != 1 {
		t.Errorf("sessions left: %d", len(list))
	}
	// Ending this session signs out here, without a step-up.
	m.offset.Add(int64(10 * time.Minute))
	if st, _, _ := accountPost(t, b, "/sessions/end", csrf, url.Values{"sid": {list[0].SID}}); st != http.StatusOK {
		t.Fatalf("sign out here: %d", st)
	}
	if list, _ = m.Store.ListUserSessions(context.Background(), u.ID, time.Now()); len(list) != 0 {
		t.Errorf("sessions after signing out: %d", len(list))
	}
	// Every step-up and change is in the audit log, as the user's own.
	var keys []string
	for _, e := range m.auditEntries(t, audit.Query{UserID: u.ID}) {
		if strings.HasPrefix(e.Key, "Account.") {
			keys = append(keys, e.Key)
			if e.Actor != "user:"+u.ID || e.SessionID == "" {
				t.Errorf("entry %+v", e)
			}
		}
	}
	want := []string{audit.KeyAccountReauth, audit.KeyAccountPassword, audit.KeyAccountReauth, audit.KeyAccountSessionEnd,
		audit.KeyAccountSessionOthers, audit.KeyAccountSessionEnd}
	if !slices.Equal(keys, want) {
		t.Errorf("audit keys %q, want %q", keys, want)
	}
}

// TestAccountTOTP: enrol an authenticator app (after a password step-up),
// get backup codes once, step up with the app, remove it.
func TestAccountTOTP(t *testing.T) {
	m := newMFAEnv(t)
	u := m.user(t, "erin", "correct horse battery")
	b, _, csrf := m.accountSignIn(t, "erin", "correct horse battery")
	resp := b.get(t, m.URL+"/account/totp")
	if resp.Request.URL.Path != "/account/reauth" {
		t.Fatalf("enrolment without step-up went to %s", resp.Request.URL)
	}
	page(t, resp)
	if st, at := m.reauth(t, b, csrf, url.Values{"password": {"correct horse battery"}, "return_to": {"/account/totp"}}); st != http.StatusOK || !strings.HasPrefix(at, "/account/totp") {
		t.Fatalf("step-up: %d %s", st, at)
	}
	resp = b.get(t, m.URL+"/account/totp")
	body, _, _ := page(t, resp)
	secret := between(body, `id="totp-secret">`, "<")
	if secret == "" || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("enrolment page: %.500s", body)
	}
	if st, _, body := accountPost(t, b, "/totp", csrf, url.Values{"secret": {secret}, "code": {"000000"}}); st != http.StatusBadRequest || !strings.Contains(body, "That code is not right") {
		t.Fatalf("wrong code: %d", st)
	}
	code := m.code(t, secret)
	spaced := code[:3] + " " + code[3:]
	if st, at, _ := accountPost(t, b, "/totp", csrf, url.Values{"secret": {secret}, "code": {spaced}}); st != http.StatusOK || at != "/account?done=totp" {
		t.Fatalf("confirm: %d %s", st, at)
	}
	if fs, _ := m.svc.Factors(context.Background(), u.ID); !slices.Contains(fs, mfa.TOTP) {
		t.Fatalf("factors %v", fs)
	}
	st, _, body := accountPost(t, b, "/backup-codes", csrf, nil)
	if st != http.StatusOK || strings.Count(body, "<li><code>") != 10 {
		t.Fatalf("backup codes: %d %.400s", st, body)
	}
	// Later, the now existing TOTP is a factor for a step-up (a code of
	// a step not used yet).
	m.offset.Add(int64(6 * time.Minute))
	if st, _ := m.reauth(t, b, csrf, url.Values{"code": {m.code(t, secret)}}); st != http.StatusOK {
		t.Fatalf("step-up with the TOTP: %d", st)
	}
	if st, at, _ := accountPost(t, b, "/totp/remove", csrf, nil); st != http.StatusOK || at != "/account?done=totp_removed" {
		t.Fatalf("remove: %d %s", st, at)
	}
	if fs, _ := m.svc.Factors(context.Background(), u.ID); len(fs) != 0 {
		t.Fatalf("factors after removal %v", fs)
	}
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}

// TestAccountEmailChange: after a step-up a code goes to the NEW address;
// the stored address changes only when that code is entered, and the
// code is bound to this session.
func TestAccountEmailChange(t *testing.T) {
	srv := testkit.NewSMTPServer(t)
	m := newMFAEnv(t, withSMTP(srv))
	u := m.user(t, "frank", "correct horse battery")
	m.user(t, "grace", "correct horse battery")
	b, _, csrf := m.accountSignIn(t, "frank", "correct horse battery")
	if st, _, _ := accountPost(t, b, "/email", csrf, url.Values{"email": {"new@example.com"}}); st != http.StatusForbidden {
		t.Fatalf("email change without step-up: %d", st)
	}
	if st, _ := m.reauth(t, b, csrf, url.Values{"password": {"correct horse battery"}}); st != http.StatusOK {
		t.Fatalf("step-up: %d", st)
	}
	st, _, body := accountPost(t, b, "/email", csrf, url.Values{"email": {" New@Example.com "}})
	if st != http.StatusOK || !strings.Contains(body, "new@example.com") {
		t.Fatalf("send code: %d %.300s", st, body)
	}
	vid := between(body, `name="v" value="`, `"`)
	code := srv.WaitForCode(t, "new@example.com", 0)
	if got, _ := m.Store.GetUser(context.Background(), u.ID); got.Email != "frank@example.com" {
		t.Fatalf("email changed before the code: %q", got.Email)
	}
	// Another session of the same user cannot redeem it.
	b2, _, csrf2 := m.accountSignIn(t, "frank", "correct horse battery")
	if st, _, _ := accountPost(t, b2, "/email/verify", csrf2, url.Values{"v": {vid}, "code": {code}}); st != http.StatusBadRequest {
		t.Fatalf("code from another session: %d", st)
	}
	if st, _, body := accountPost(t, b, "/email/verify", csrf, url.Values{"v": {vid}, "code": {"000000"}}); st != http.StatusBadRequest ||
		!strings.Contains(body, "That code is not right") {
		t.Fatalf("wrong code: %d", st)
	}
	spaced := code[:3] + " " + code[3:]
	if st, at, _ := accountPost(t, b, "/email/verify", csrf, url.Values{"v": {vid}, "code": {spaced}}); st != http.StatusOK || at != "/account?done=email" {
		t.Fatalf("verify: %d %s", st, at)
	}
	got, _ := m.Store.GetUser(context.Background(), u.ID)
	if got.Email != "new@example.com" || !got.EmailVerified {
		t.Fatalf("stored email %q verified %v", got.Email, got.EmailVerified)
	}
	// The code works once.
	if st, _, _ := accountPost(t, b, "/email/verify", csrf, url.Values{"v": {vid}, "code": {code}}); st != http.StatusBadRequest {
		t.Fatalf("code reused: %d", st)
	}
	// Another user's address is refused when the code is entered.
	st, _, body = accountPost(t, b, "/email", csrf, url.Values{"email": {"grace@example.com"}})
	if st != http.StatusOK {
		t.Fatalf("send code 2: %d", st)
	}
	vid = between(body, `name="v" value="`, `"`)
	code = srv.WaitForCode(t, "grace@example.com", 0)
	if st, _, body := accountPost(t, b, "/email/verify", csrf, url.Values{"v": {vid}, "code": {code}}); st != http.StatusConflict ||
		!strings.Contains(body, "Another account uses") {
		t.Fatalf("taken address: %d", st)
	}
}

// TestAccountHeadersAndForgedCookies: the account pages carry the
// anti-framing and no-store headers (UI-02, UI-03); a forged, altered or
// token-valued session cookie is no session there (SS-10).
func TestAccountHeadersAndForgedCookies(t *testing.T) {
	m := newMFAEnv(t)
	m.user(t, "heidi", "correct horse battery")
	b, _, csrf := m.accountSignIn(t, "heidi", "correct horse battery")
	for _, p := range []string{"/account", "/account/reauth"} {
		resp := b.get(t, m.URL+p)
		page(t, resp)
		h := resp.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s headers: %v", p, h)
		}
		if strings.Contains(h.Get("Content-Security-Policy"), "connect-src") {
			t.Errorf("%s allows fetch() with passkeys off: %s", p, h.Get("Content-Security-Policy"))
		}
	}
	if st, _ := m.reauth(t, b, csrf, url.Values{"password": {"correct horse battery"}}); st != http.StatusOK {
		t.Fatal("step-up")
	}
	resp := b.post(t, "/account/backup-codes", url.Values{"csrf_token": {csrf}})
	page(t, resp)
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("backup codes Cache-Control %q", resp.Header.Get("Cache-Control"))
	}

	// An access token of the same user as the session cookie.
	ab := m.browser(t)
	r, verifier := m.start(t, ab)
	r = ab.login(t, r, "heidi", "correct horse battery")
	tok, err := m.conf.Exchange(context.Background(), callback(t, r, m.conf.RedirectURL).Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(m.URL)
	real := ""
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == "sesame_session" {
			real = c.Value
		}
	}
	if real == "" {
		t.Fatal("no session cookie")
	}
	flipped := []byte(real)
	flipped[5] ^= 1
	for name, v := range map[string]string{"access token": tok.AccessToken, "bit flipped": string(flipped),
		"random": strings.Repeat("A", 43), "sid": "not-a-session-cookie-but-long-enough-0000"} {
		f := m.browser(t)
		f.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "sesame_session", Value: v}})
		resp := f.get(t, m.URL+"/account")
		page(t, resp)
		if resp.Request.URL.Path != "/sign-in" {
			t.Errorf("%s as the session cookie: at %s", name, resp.Request.URL)
		}
	}
}

// TestAccountPasskeys: adding a passkey needs the step-up (its options,
// and its result, are 403 without one and nothing is stored); a passkey
// is listed and removed; a passkey registration is no step-up (UI-13).
func TestAccountPasskeys(t *testing.T) {
	m := newPasskeyEnv(t)
	u := m.user(t, "ivan", "correct horse battery")
	b, body, csrf := m.accountSignIn(t, "ivan", "correct horse battery")
	if !strings.Contains(body, `id="passkey-add-form"`) {
		t.Fatal("no passkey section")
	}
	origin, _ := url.Parse(m.URL)
	a := testkit.NewSoftAuthenticator(origin.Hostname(), origin.Scheme+"://"+origin.Host)
	a.UserHandle = []byte(u.ID)
	options := func() (challenge []byte, ticket string, status int) {
		t.Helper()
		resp := b.post(t, "/account/passkeys/options", url.Values{"csrf_token": {csrf}})
		defer resp.Body.Close()
		var o struct {
			PublicKey struct {
				Challenge string `json:"challenge"`
			} `json:"publicKey"`
			Ticket string `json:"ticket"`
		}
		if resp.StatusCode != http.StatusOK {
			return nil, "", resp.StatusCode
		}
		if err := json.NewDecoder(resp.Body).Decode(&o); err != nil {
			t.Fatal(err)
		}
		c, err := base64.RawURLEncoding.DecodeString(o.PublicKey.Challenge)
		if err != nil {
			t.Fatal(err)
		}
		return c, o.Ticket, resp.StatusCode
	}
	if _, _, st := options(); st != http.StatusForbidden {
		t.Fatalf("options without step-up: %d", st)
	}
	// A ceremony begun through the domain (as if stolen) is still refused
	// without a step-up, and a registration response is no step-up.
	svc, err := passkey.New(m.URL, m.Store, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cc, ticket, err := svc.BeginRegistration(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	resp := a.Create(cc.Response.Challenge)
	if st, _, _ := accountPost(t, b, "/passkeys", csrf, url.Values{"ticket": {ticket}, "response": {string(resp)}}); st != http.StatusForbidden {
		t.Fatalf("add without step-up: %d", st)
	}
	if st, _ := m.reauth(t, b, csrf, url.Values{"response": {string(resp)}, "ticket": {ticket}}); st != http.StatusBadRequest {
		t.Fatalf("a registration as step-up: %d", st)
	}
	if list, _ := svc.List(context.Background(), u.ID); len(list) != 0 {
		t.Fatalf("passkeys stored without step-up: %d", len(list))
	}

	if st, _ := m.reauth(t, b, csrf, url.Values{"password": {"correct horse battery"}}); st != http.StatusOK {
		t.Fatalf("step-up: %d", st)
	}
	challenge, ticket, st := options()
	if st != http.StatusOK || ticket == "" {
		t.Fatalf("options: %d", st)
	}
	st, at, body := accountPost(t, b, "/passkeys", csrf, url.Values{"ticket": {ticket}, "response": {string(a.Create(challenge))}, "name": {"Laptop"}})
	if st != http.StatusOK || at != "/account?done=passkey" || !strings.Contains(body, "Laptop") {
		t.Fatalf("add: %d %s", st, at)
	}
	list, _ := svc.List(context.Background(), u.ID)
	if len(list) != 1 || list[0].Name != "Laptop" {
		t.Fatalf("passkeys %+v", list)
	}
	if st, _, _ := accountPost(t, b, "/passkeys/remove", csrf, url.Values{"id": {"bm9wZQ"}}); st != http.StatusNotFound {
		t.Fatalf("remove unknown: %d", st)
	}
	if st, at, _ := accountPost(t, b, "/passkeys/remove", csrf, url.Values{"id": {base64.RawURLEncoding.EncodeToString(list[0].ID)}}); st != http.StatusOK ||
		at != "/account?done=passkey_removed" {
		t.Fatalf("remove: %d %s", st, at)
	}
	if list, _ := svc.List(context.Background(), u.ID); len(list) != 0 {
		t.Fatalf("passkeys after removal: %d", len(list))
	}
}
