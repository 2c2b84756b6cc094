package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// mfaEnv is an env whose clock the test moves on by TOTP steps, with the
// server's MFA service (same master secret, same clock) to enrol users.
type mfaEnv struct {
	*env
	offset atomic.Int64
	svc    *mfa.Service
	conf   *oauth2.Config
	verify *oidc.IDTokenVerifier
	seen   map[*http.Response][3]string
}

const mfaTestSecret = "test-master-secret-of-at-least-32-bytes"

func newMFAEnv(t *testing.T, opts ...envOption) *mfaEnv {
	t.Helper()
	m := &mfaEnv{seen: map[*http.Response][3]string{}}
	now := func() time.Time { return time.Now().Add(time.Duration(m.offset.Load())) }
	m.env = newEnv(t, append([]envOption{func(c *config.Config, o *app.Options) { c.Secret, o.Now = mfaTestSecret, now }}, opts...)...)
	m.svc = app.MFA(m.Store, []byte(mfaTestSecret), m.URL, now)
	redirect := "http://localhost:3000/callback"
	id, secret := m.app(t, store.AppTraditional, []string{redirect}, nil)
	prov, err := oidc.NewProvider(context.Background(), m.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	m.conf = &oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Endpoint: prov.Endpoint(),
		Scopes: []string{oidc.ScopeOpenID}}
	m.verify = prov.Verifier(&oidc.Config{ClientID: id})
	return m
}

// tick moves the clock to the next TOTP step.
func (m *mfaEnv) tick() { m.offset.Add(int64(30 * time.Second)) }

func (m *mfaEnv) now() time.Time { return time.Now().Add(time.Duration(m.offset.Load())) }

func (m *mfaEnv) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, m.now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol gives u a TOTP (as the account page does) and returns its secret;
// the clock moves on a step, so the next code is fresh.
func (m *mfaEnv) enrol(t *testing.T, u store.User) string {
	t.Helper()
	e, err := m.svc.BeginTOTP(u)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.svc.ConfirmTOTP(context.Background(), u.ID, e.Secret, m.code(t, e.Secret)); err != nil {
		t.Fatal(err)
	}
	m.tick()
	return e.Secret
}

func (m *mfaEnv) settings(t *testing.T, patch string) {
	t.Helper()
	s := &signinexp.Service{Store: m.Store, AllowRegistration: true}
	if _, _, err := s.Update(context.Background(), []byte(patch)); err != nil {
		t.Fatal(err)
	}
}

// start opens an authorization request in b and returns the first page
// and the PKCE verifier.
func (m *mfaEnv) start(t *testing.T, b *browser, opts ...oauth2.AuthCodeOption) (*http.Response, string) {
	t.Helper()
	v := oauth2.GenerateVerifier()
	return b.get(t, m.conf.AuthCodeURL("st", append(opts, oauth2.S256ChallengeOption(v))...)), v
}

// amr exchanges the code in the callback resp and returns the ID token's
// amr.
func (m *mfaEnv) amr(t *testing.T, resp *http.Response, verifier string) []string {
	t.Helper()
	ctx := context.Background()
	tok, err := m.conf.Exchange(ctx, callback(t, resp, m.conf.RedirectURL).Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := m.verify.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		AMR []string `json:"amr"`
	}
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	return c.AMR
}

// onPage reads resp, which must be the page at path with status, and
// returns its body, form action and CSRF token.
func (m *mfaEnv) onPage(t *testing.T, resp *http.Response, path string, status int) (body, action, csrf string) {
	t.Helper()
	body, action, csrf = m.read(t, resp)
	if resp.Request.URL.Path != path || resp.StatusCode != status {
		t.Fatalf("at %s (%d), want %s (%d): %.400s", resp.Request.URL, resp.StatusCode, path, status, body)
	}
	return body, action, csrf
}

// read is page, remembered, so a response can be read again.
func (m *mfaEnv) read(t *testing.T, resp *http.Response) (body, action, csrf string) {
	t.Helper()
	if r, ok := m.seen[resp]; ok {
		return r[0], r[1], r[2]
	}
	body, action, csrf = page(t, resp)
	m.seen[resp] = [3]string{body, action, csrf}
	return body, action, csrf
}

func (m *mfaEnv) submitCode(t *testing.T, b *browser, resp *http.Response, method, code string) *http.Response {
	t.Helper()
	_, action, csrf := m.read(t, resp)
	return b.post(t, action, url.Values{"csrf_token": {csrf}, "method": {method}, "code": {code}})
}

// TestMFASignInTOTP: a user with TOTP is asked for it after the password
// and gets amr ["pwd","otp","mfa"] (go-oidc verifies the ID token); the
// same code is refused the second time (UI-10); the code is taken with
// spaces.
func TestMFASignInTOTP(t *testing.T) {
	m := newMFAEnv(t)
	u := m.user(t, "alice", "correct horse battery")
	secret := m.enrol(t, u)
	b := m.browser(t)
	resp, v := m.start(t, b)
	resp = b.login(t, resp, "alice", "correct horse battery")
	body, _, _ := m.onPage(t, resp, "/mfa", http.StatusOK)
	if !strings.Contains(body, `autocomplete="one-time-code"`) || !strings.Contains(body, `inputmode="numeric"`) {
		t.Fatalf("MFA page lacks its code input: %s", body)
	}
	// A wrong code first.
	resp = m.submitCode(t, b, resp, "totp", "000000")
	if m.code(t, secret) == "000000" {
		t.Skip("the right code is 000000 this step")
	}
	m.onPage(t, resp, "/mfa", http.StatusUnauthorized)
	code := m.code(t, secret)
	resp = m.submitCode(t, b, resp, "totp", code[:3]+" "+code[3:])
	if got := m.amr(t, resp, v); !slices.Equal(got, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("amr = %q, want [pwd otp mfa]", got)
	}

	// Replay: the same code, same step, in a fresh sign-in.
	b2 := m.browser(t)
	resp, _ = m.start(t, b2)
	resp = b2.login(t, resp, "alice", "correct horse battery")
	m.onPage(t, resp, "/mfa", http.StatusOK)
	resp = m.submitCode(t, b2, resp, "totp", code)
	body, _, _ = m.onPage(t, resp, "/mfa", http.StatusUnauthorized)
	if !strings.Contains(body, "already used") {
		t.Fatalf("replayed code: %s", body)
	}
	m.tick()
	resp = m.submitCode(t, b2, resp, "totp", m.code(t, secret))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("fresh code after a replay: %d", resp.StatusCode)
	}
}

// TestMFABackupCode: the MFA page's link switches to a backup code, which
// completes the sign-in once (amr "otp" + "mfa": docs/security.md).
func TestMFABackupCode(t *testing.T) {
	m := newMFAEnv(t)
	u := m.user(t, "alice", "correct horse battery")
	m.enrol(t, u)
	codes, err := m.svc.GenerateBackupCodes(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		b := m.browser(t)
		resp, v := m.start(t, b)
		resp = b.login(t, resp, "alice", "correct horse battery")
		body, _, _ := m.onPage(t, resp, "/mfa", http.StatusOK)
		link := regexp.MustCompile(`href="([^"]+)" id="mfa-switch"`).FindStringSubmatch(body)
		if link == nil {
			t.Fatalf("no switch link: %s", body)
		}
		resp = b.get(t, m.URL+strings.ReplaceAll(link[1], "&amp;", "&"))
		body, _, _ = m.onPage(t, resp, "/mfa", http.StatusOK)
		if !strings.Contains(body, `name="method" value="backup"`) {
			t.Fatalf("not the backup form: %s", body)
		}
		resp = m.submitCode(t, b, resp, "backup", strings.ToUpper(codes[0]))
		if i == 0 {
			if got := m.amr(t, resp, v); !slices.Equal(got, []string{"pwd", "otp", "mfa"}) {
				t.Fatalf("amr = %q", got)
			}
			continue
		}
		m.onPage(t, resp, "/mfa", http.StatusUnauthorized) // used once already
	}
}

// TestMFASkipStep: the second-factor pages refuse a request whose first
// factor has not passed (going straight to a later step), and a pending
// second factor signs no one in by itself.
func TestMFASkipStep(t *testing.T) {
	m := newMFAEnv(t)
	u := m.user(t, "alice", "correct horse battery")
	secret := m.enrol(t, u)
	b := m.browser(t)
	resp, _ := m.start(t, b)
	_, signInAction, csrf := m.onPage(t, resp, "/sign-in", http.StatusOK)
	interaction := resp.Request.URL.Query().Get("interaction")
	for _, path := range []string{"/mfa", "/mfa/enroll"} {
		u := m.URL + path + "?interaction=" + url.QueryEscape(interaction)
		if r := b.get(t, u); r.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s before the password: %d", path, r.StatusCode)
		}
		r := b.post(t, u, url.Values{"csrf_token": {csrf}, "method": {"totp"}, "code": {m.code(t, secret)}, "secret": {secret}})
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("POST %s before the password: %d", path, r.StatusCode)
		}
	}
	// After the password: the pending state does not let the request
	// resume into a code.
	resp = b.post(t, signInAction, url.Values{"csrf_token": {csrf}, "identifier": {"alice"}, "password": {"correct horse battery"}})
	m.onPage(t, resp, "/mfa", http.StatusOK)
	resp = b.get(t, m.URL+"/oidc/auth/"+url.PathEscape(interaction))
	m.onPage(t, resp, "/sign-in", http.StatusOK)
	// Nor does enrolling a new factor instead of answering the one the
	// user has.
	if r := b.get(t, m.URL+"/mfa/enroll?interaction="+url.QueryEscape(interaction)); r.StatusCode != http.StatusBadRequest {
		t.Errorf("enrolment page for an enrolled user: %d", r.StatusCode)
	}
	// Another browser cannot use this request's pending state.
	other := m.browser(t)
	if r := other.get(t, m.URL+"/mfa?interaction="+url.QueryEscape(interaction)); r.StatusCode != http.StatusBadRequest {
		t.Errorf("MFA page from another browser: %d", r.StatusCode)
	}
}

// TestMFAAttemptLimit: wrong TOTP and backup codes share a per-user budget
// (UI-07); past it even the right code gets 429 with Retry-After.
func TestMFAAttemptLimit(t *testing.T) {
	m := newMFAEnv(t)
	u := m.user(t, "alice", "correct horse battery")
	secret := m.enrol(t, u)
	codes, _ := m.svc.GenerateBackupCodes(context.Background(), u.ID)
	b := m.browser(t)
	resp, _ := m.start(t, b)
	resp = b.login(t, resp, "alice", "correct horse battery")
	m.onPage(t, resp, "/mfa", http.StatusOK)
	wrong := m.code(t, secret)
	wrong = string(rune('0'+(wrong[0]-'0'+1)%10)) + wrong[1:]
	for i := range 5 {
		method, code := "totp", wrong
		if i%2 == 1 {
			method, code = "backup", "0000-0000-0000"
		}
		resp = m.submitCode(t, b, resp, method, code)
		m.onPage(t, resp, "/mfa", http.StatusUnauthorized)
	}
	resp = m.submitCode(t, b, resp, "totp", m.code(t, secret))
	m.onPage(t, resp, "/mfa", http.StatusTooManyRequests)
	if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	resp = m.submitCode(t, b, resp, "backup", codes[0])
	m.onPage(t, resp, "/mfa", http.StatusTooManyRequests)
	if n, _ := m.svc.BackupCodesLeft(context.Background(), u.ID); n != mfa.BackupCodeCount {
		t.Errorf("a throttled attempt spent a backup code: %d left", n)
	}
}

// TestMFAHonoursPasswordLock (UI-07): a sign-in whose password passed
// before the account was locked by wrong passwords cannot finish with its
// second factor while the lock holds.
func TestMFAHonoursPasswordLock(t *testing.T) {
	m := newMFAEnv(t)
	u := m.user(t, "alice", "correct horse battery")
	secret := m.enrol(t, u)
	b := m.browser(t)
	resp, _ := m.start(t, b)
	resp = b.login(t, resp, "alice", "correct horse battery")
	m.onPage(t, resp, "/mfa", http.StatusOK)
	attacker := m.browser(t)
	for range 5 {
		r, _ := m.start(t, attacker)
		r = attacker.login(t, r, "alice", "wrong password")
		m.onPage(t, r, "/sign-in", http.StatusUnauthorized)
	}
	resp = m.submitCode(t, b, resp, "totp", m.code(t, secret))
	m.onPage(t, resp, "/mfa", http.StatusTooManyRequests)
	if resp.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

var mfaSecretRe = regexp.MustCompile(`id="mfa-secret">([A-Z2-7]+)<`)

// enrolAtSignIn completes the enrolment page in resp (reading the secret
// text as a person would type it) and returns the backup codes page's
// response and the secret.
func (m *mfaEnv) enrolAtSignIn(t *testing.T, b *browser, resp *http.Response) (*http.Response, string) {
	t.Helper()
	body, action, csrf := m.onPage(t, resp, "/mfa/enroll", http.StatusOK)
	sm := mfaSecretRe.FindStringSubmatch(body)
	if sm == nil || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("enrolment page lacks the secret or the QR code: %s", body)
	}
	// A wrong code keeps the same secret on the page.
	resp = b.post(t, action, url.Values{"csrf_token": {csrf}, "secret": {sm[1]}, "code": {"12345x"}})
	body, action, csrf = m.onPage(t, resp, "/mfa/enroll", http.StatusUnauthorized)
	if !strings.Contains(body, sm[1]) {
		t.Fatal("the secret changed after a wrong code")
	}
	resp = b.post(t, action, url.Values{"csrf_token": {csrf}, "secret": {sm[1]}, "code": {m.code(t, sm[1])}})
	return resp, sm[1]
}

var mfaBackupRe = regexp.MustCompile(`<li><code>([0-9a-z-]+)</code></li>`)

// TestMFAMandatoryEnrolment: policy Mandatory sends a user without a
// factor to enrol (QR and secret text, then ten backup codes once), and
// the sign-in completes with both factors; the next sign-in asks for the
// code.
func TestMFAMandatoryEnrolment(t *testing.T) {
	m := newMFAEnv(t)
	m.user(t, "alice", "correct horse battery")
	m.settings(t, `{"mfa":{"factors":["Totp","BackupCode"],"policy":"Mandatory"}}`)
	b := m.browser(t)
	resp, v := m.start(t, b)
	resp = b.login(t, resp, "alice", "correct horse battery")
	resp, secret := m.enrolAtSignIn(t, b, resp)
	body, _, _ := m.onPage(t, resp, "/mfa/enroll", http.StatusOK)
	codes := mfaBackupRe.FindAllStringSubmatch(body, -1)
	if len(codes) != mfa.BackupCodeCount {
		t.Fatalf("%d backup codes shown: %s", len(codes), body)
	}
	cont := regexp.MustCompile(`href="([^"]+)" id="mfa-continue"`).FindStringSubmatch(body)
	if cont == nil {
		t.Fatalf("no continue link: %s", body)
	}
	resp = b.get(t, m.URL+cont[1])
	if got := m.amr(t, resp, v); !slices.Equal(got, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("amr after enrolment = %q", got)
	}
	// The enrolment code is spent; the next sign-in asks for a new one.
	m.tick()
	b2 := m.browser(t)
	resp, v = m.start(t, b2)
	resp = b2.login(t, resp, "alice", "correct horse battery")
	m.onPage(t, resp, "/mfa", http.StatusOK)
	resp = m.submitCode(t, b2, resp, "totp", m.code(t, secret))
	if got := m.amr(t, resp, v); !slices.Equal(got, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("amr = %q", got)
	}
	// And a backup code from the enrolment page works.
	b3 := m.browser(t)
	resp, _ = m.start(t, b3)
	resp = b3.login(t, resp, "alice", "correct horse battery")
	resp = m.submitCode(t, b3, resp, "backup", codes[3][1])
	callback(t, resp, m.conf.RedirectURL)
}

// TestMFAACRValues: acr_values=urn:sesame:loa:2 makes a user without a
// factor enrol (default policy), while the same user without it signs in
// with the password alone.
func TestMFAACRValues(t *testing.T) {
	m := newMFAEnv(t)
	m.user(t, "alice", "correct horse battery")
	b := m.browser(t)
	resp, v := m.start(t, b)
	resp = b.login(t, resp, "alice", "correct horse battery")
	if got := m.amr(t, resp, v); !slices.Equal(got, []string{"pwd"}) {
		t.Fatalf("amr without acr_values = %q", got)
	}
	b2 := m.browser(t)
	resp, v = m.start(t, b2, oauth2.SetAuthURLParam("acr_values", mfa.LoA2))
	resp = b2.login(t, resp, "alice", "correct horse battery")
	resp, _ = m.enrolAtSignIn(t, b2, resp)
	body, _, _ := m.onPage(t, resp, "/mfa/enroll", http.StatusOK)
	cont := regexp.MustCompile(`href="([^"]+)" id="mfa-continue"`).FindStringSubmatch(body)
	if got := m.amr(t, b2.get(t, m.URL+cont[1]), v); !slices.Equal(got, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("amr with loa:2 = %q", got)
	}
}

// TestMFAStepUp (SS-12): an SSO session without a second factor does not
// mint a code for a request asking loa:2, nor once the user has a factor;
// prompt=none gets login_required; a two-factor session answers at once.
func TestMFAStepUp(t *testing.T) {
	m := newMFAEnv(t)
	u := m.user(t, "alice", "correct horse battery")
	b := m.browser(t)
	resp, _ := m.start(t, b)
	callback(t, b.login(t, resp, "alice", "correct horse battery"), m.conf.RedirectURL)

	// The password-only session answers a plain request at once.
	resp, _ = m.start(t, b)
	callback(t, resp, m.conf.RedirectURL)
	// Not one that asks for loa:2.
	resp, _ = m.start(t, b, oauth2.SetAuthURLParam("acr_values", mfa.LoA2))
	m.onPage(t, resp, "/sign-in", http.StatusOK)
	resp, _ = m.start(t, b, oauth2.SetAuthURLParam("acr_values", mfa.LoA2), oauth2.SetAuthURLParam("prompt", "none"))
	if cb := callback(t, resp, m.conf.RedirectURL); cb.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none step-up: %s", cb)
	}
	// Once the user has a factor, no request is answered from the
	// one-factor session.
	secret := m.enrol(t, u)
	resp, _ = m.start(t, b)
	resp = b.login(t, resp, "alice", "correct horse battery")
	resp = m.submitCode(t, b, resp, "totp", m.code(t, secret))
	callback(t, resp, m.conf.RedirectURL)
	// The two-factor session now answers both at once.
	resp, v := m.start(t, b, oauth2.SetAuthURLParam("acr_values", mfa.LoA2))
	if got := m.amr(t, resp, v); !slices.Equal(got, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("amr from the two-factor session = %q", got)
	}

	// A session from before MFA became Mandatory mints no code: its user
	// enrols first.
	m.user(t, "bob", "correct horse battery")
	bob := m.browser(t)
	resp, _ = m.start(t, bob)
	callback(t, bob.login(t, resp, "bob", "correct horse battery"), m.conf.RedirectURL)
	m.settings(t, `{"mfa":{"factors":["Totp","BackupCode"],"policy":"Mandatory"}}`)
	resp, _ = m.start(t, bob)
	resp = bob.login(t, resp, "bob", "correct horse battery")
	m.onPage(t, resp, "/mfa/enroll", http.StatusOK)
}

// TestMFACSRF (UI-01): the MFA and enrolment forms refuse a POST without
// the page's CSRF token, with another browser's, or from another origin,
// and spend nothing: the right code still works afterwards.
func TestMFACSRF(t *testing.T) {
	m := newMFAEnv(t)
	u := m.user(t, "alice", "correct horse battery")
	secret := m.enrol(t, u)
	bob := m.user(t, "bob", "correct horse battery")
	m.settings(t, `{"mfa":{"factors":["Totp","BackupCode"],"policy":"Mandatory"}}`)
	foreign := func() string {
		b := m.browser(t)
		resp, _ := m.start(t, b)
		_, _, tok := m.read(t, resp)
		return tok
	}()
	attack := func(what string, b *browser, action string, form url.Values) {
		t.Helper()
		for name, tok := range map[string]string{"no token": "", "another browser's token": foreign} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("csrf_token", tok)
			if r := b.post(t, action, f); r.StatusCode != http.StatusForbidden {
				t.Errorf("%s with %s: %d, want 403", what, name, r.StatusCode)
			}
		}
		b.Origin = "https://evil.example"
		r := b.post(t, action, form)
		b.Origin = m.URL
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("%s from another origin: %d, want 403", what, r.StatusCode)
		}
	}

	b := m.browser(t)
	resp, _ := m.start(t, b)
	resp = b.login(t, resp, "alice", "correct horse battery")
	_, action, csrf := m.onPage(t, resp, "/mfa", http.StatusOK)
	code := m.code(t, secret)
	attack("MFA form", b, action, url.Values{"csrf_token": {csrf}, "method": {"totp"}, "code": {code}})
	callback(t, b.post(t, action, url.Values{"csrf_token": {csrf}, "method": {"totp"}, "code": {code}}), m.conf.RedirectURL)

	b2 := m.browser(t)
	resp, _ = m.start(t, b2)
	resp = b2.login(t, resp, "bob", "correct horse battery")
	body, action, csrf := m.onPage(t, resp, "/mfa/enroll", http.StatusOK)
	s := mfaSecretRe.FindStringSubmatch(body)[1]
	form := url.Values{"csrf_token": {csrf}, "secret": {s}, "code": {m.code(t, s)}}
	attack("enrolment form", b2, action, form)
	if fs, _ := m.svc.Factors(context.Background(), bob.ID); len(fs) != 0 {
		t.Fatalf("refused enrolment posts enrolled %v", fs)
	}
	m.onPage(t, b2.post(t, action, form), "/mfa/enroll", http.StatusOK) // the backup codes
}

// TestMFAMandatoryAfterRegistration: under policy Mandatory a new account
// enrols before its first sign-in completes; the registration is recorded
// at the gate, the sign-in when the second factor completes it.
func TestMFAMandatoryAfterRegistration(t *testing.T) {
	m := newMFAEnv(t)
	m.settings(t, `{"mfa":{"factors":["Totp"],"policy":"Mandatory"}}`)
	b := m.browser(t)
	resp, v := m.start(t, b)
	m.read(t, resp)
	reg := strings.Replace(resp.Request.URL.String(), "/sign-in", "/register", 1)
	_, action, csrf := m.read(t, b.get(t, reg))
	resp = b.post(t, action, url.Values{"username": {"newcomer"}, "password": {"password-new-1"},
		"password_confirm": {"password-new-1"}, "csrf_token": {csrf}})
	// BackupCode is not offered: the enrolment completes without codes.
	resp, _ = m.enrolAtSignIn(t, b, resp)
	if got := m.amr(t, resp, v); !slices.Equal(got, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("amr = %q", got)
	}
	u, err := m.Store.GetUserByLogin(context.Background(), "newcomer")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := m.svc.BackupCodesLeft(context.Background(), u.ID); n != 0 {
		t.Errorf("%d backup codes made though the policy does not offer them", n)
	}
	reg1 := m.auditEntries(t, audit.Query{Key: audit.KeyRegister})
	in := m.auditEntries(t, audit.Query{Key: audit.KeySignIn})
	if len(reg1) != 1 || reg1[0].UserID != u.ID || len(in) != 1 || in[0].UserID != u.ID || in[0].SessionID == "" {
		t.Errorf("audit: register %+v, sign-in %+v", reg1, in)
	}
}

// TestMFAReplayAcrossReplicas (UI-10): two servers on one PostgreSQL
// database; a TOTP code accepted by one is refused by the other.
func TestMFAReplayAcrossReplicas(t *testing.T) {
	dsn := testkit.NewSchema(t, testkit.PostgresDSN(t), "mfa")
	shared := func(c *config.Config, _ *app.Options) { c.DatabaseURL = dsn }
	a, b := newMFAEnv(t, shared), newMFAEnv(t, shared)
	u := a.user(t, "alice", "correct horse battery")
	secret := a.enrol(t, u)
	code := a.code(t, secret) // the step after the enrolment's; inside b's skew too

	ba := a.browser(t)
	resp, _ := a.start(t, ba)
	resp = ba.login(t, resp, "alice", "correct horse battery")
	callback(t, a.submitCode(t, ba, resp, "totp", code), a.conf.RedirectURL)

	bb := b.browser(t)
	resp, _ = b.start(t, bb)
	resp = bb.login(t, resp, "alice", "correct horse battery")
	body, _, _ := b.onPage(t, b.submitCode(t, bb, resp, "totp", code), "/mfa", http.StatusUnauthorized)
	if !strings.Contains(body, "already used") {
		t.Fatalf("replay on the other replica: %s", body)
	}
}
