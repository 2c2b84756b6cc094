package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store"
)

// TestConcurrentIPThrottle: N parallel wrong passwords from one address,
// each for a different account (so the per-account limit stops none of
// them), reach the password check at most IPLimit times; the rest are
// refused with 429 and Retry-After before any hashing.
func TestConcurrentIPThrottle(t *testing.T) {
	clock := &fakeClock{t: time.Now()} // one throttle window for the whole test
	e := newEnv(t, func(_ *config.Config, o *app.Options) { o.Now = clock.Now })
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	const N, limit = 120, 50 // limit: the default per-IP limit
	for i := range N {
		e.user(t, fmt.Sprintf("acct%d", i), "password-right")
	}
	e.user(t, "winner", "password-winner")
	b := e.browser(t)
	_, action, csrf := page(t, b.get(t, e.authURL(id, r, nil)))
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	var noRetryAfter atomic.Int32
	for i := range N {
		wg.Go(func() {
			resp := b.post(t, action, url.Values{"identifier": {fmt.Sprintf("acct%d", i)}, "password": {"wrong-password"}, "csrf_token": {csrf}})
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
				noRetryAfter.Add(1)
			}
			mu.Lock()
			counts[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[401] != limit || counts[429] != N-limit {
		t.Fatalf("%d concurrent wrong passwords from one address: %v, want exactly %d checked (401) and %d refused (429)",
			N, counts, limit, N-limit)
	}
	if n := noRetryAfter.Load(); n > 0 {
		t.Errorf("%d refusals without Retry-After", n)
	}
	// The failures stay counted: even the right password is refused now.
	resp := b.post(t, action, url.Values{"identifier": {"winner"}, "password": {"password-winner"}, "csrf_token": {csrf}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sign-in after %d failures from the address: %d, want 429", limit, resp.StatusCode)
	}
}

// TestSuccessfulSignInsKeepIPBudget: a successful sign-in gives back the
// per-IP slot it reserved, so it neither uses up the address's budget nor
// (unlike a reset) wipes the failures already counted.
func TestSuccessfulSignInsKeepIPBudget(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, func(_ *config.Config, o *app.Options) {
		o.Now = clock.Now
		o.Throttle.IPLimit = 3
	})
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "sara", "password-sara")
	fail := func(who string) int {
		b := e.browser(t)
		resp := b.login(t, b.get(t, e.authURL(id, r, nil)), who, "wrong-password")
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, who := range []string{"f1", "f2"} {
		if st := fail(who); st != 401 {
			t.Fatalf("failure from %s: %d", who, st)
		}
	}
	for i := range 5 {
		b := e.browser(t)
		resp := b.login(t, b.get(t, e.authURL(id, r, nil)), "sara", "password-sara")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("successful sign-in %d with 2 of 3 failures used: %d", i+1, resp.StatusCode)
		}
		callback(t, resp, r)
	}
	if st := fail("f3"); st != 401 {
		t.Fatalf("third failure after successes: %d, want 401 (successes must not use the budget)", st)
	}
	if st := fail("f4"); st != http.StatusTooManyRequests {
		t.Fatalf("fourth failure: %d, want 429 (successes must not reset the count)", st)
	}
}

// forwardedFor makes a client appear, through the trusted proxy, to come
// from addr.
type forwardedFor struct {
	mu   sync.Mutex
	addr string
}

func (f *forwardedFor) set(addr string) { f.mu.Lock(); f.addr = addr; f.mu.Unlock() }

func (f *forwardedFor) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	addr := f.addr
	f.mu.Unlock()
	req = req.Clone(req.Context())
	req.Header.Set("X-Forwarded-For", addr)
	return http.DefaultTransport.RoundTrip(req)
}

// TestPendingRequestLimit: unauthenticated authorization requests store a
// row each, so one client address (an IPv6 /64) may start at most 300 per
// 10 minutes; the next gets a readable 429 page with Retry-After and
// stores nothing. Other addresses, and requests answered at once from an
// SSO session, are not affected. ui_locales and prompt are stored short.
func TestPendingRequestLimit(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	var cs *countingStore
	e := newEnvWrapped(t, slog.New(slog.NewTextHandler(io.Discard, nil)), func(s store.Store) store.Store {
		cs = &countingStore{Store: s}
		return cs
	}, func(c *config.Config, o *app.Options) {
		o.Now = clock.Now
		c.TrustedProxies = "127.0.0.1/32,::1/128"
	})
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "tom", "password-tom")

	// A browser signed in from elsewhere, which will later use its SSO
	// session from the exhausted address.
	sso := e.browser(t)
	via := &forwardedFor{addr: "198.51.100.20"}
	sso.Client.Transport = via
	e.flow(t, sso, id, r, true, "tom", "password-tom", nil)

	xff := &forwardedFor{}
	client := &http.Client{Transport: xff, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := func(from string, extra url.Values) *http.Response {
		t.Helper()
		xff.set(from)
		_, challenge := pkce()
		if extra == nil {
			extra = url.Values{}
		}
		extra.Set("code_challenge", challenge)
		extra.Set("code_challenge_method", "S256")
		resp, err := client.Get(e.authURL(id, r, extra))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	interaction := func(resp *http.Response) string {
		t.Helper()
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/sign-in" {
			t.Fatalf("want a 303 to the sign-in page, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		return loc.Query().Get("interaction")
	}

	// Long ui_locales: whole tags up to 64 bytes are kept; one over-long
	// tag is dropped. Repeated prompt values are stored once.
	locales := "de-CH de fr-CH fr it-CH it en-GB en-US en es-ES es pt-BR pt nl-NL nl"
	ar, err := e.Store.GetAuthRequest(t.Context(), interaction(start("2001:db8:7:7::1",
		url.Values{"ui_locales": {locales}, "prompt": {strings.Repeat("login ", 500)}})))
	if err != nil {
		t.Fatal(err)
	}
	if len(ar.UILocales) > 64 || !strings.HasPrefix(locales+" ", ar.UILocales+" ") || ar.UILocales == "" {
		t.Errorf("stored ui_locales %q (%d bytes): want a whole-tag prefix of at most 64 bytes", ar.UILocales, len(ar.UILocales))
	}
	if len(ar.Prompt) != 1 || ar.Prompt[0] != "login" {
		t.Errorf("stored prompt %q, want [login]", ar.Prompt)
	}
	ar, err = e.Store.GetAuthRequest(t.Context(), interaction(start("2001:db8:7:7::1",
		url.Values{"ui_locales": {strings.Repeat("x", 8000)}})))
	if err != nil {
		t.Fatal(err)
	}
	if ar.UILocales != "" {
		t.Errorf("an over-long ui_locales tag stored (%d bytes)", len(ar.UILocales))
	}

	// Fill the budget from addresses of one /64.
	for i := 2; i < 300; i++ {
		interaction(start(fmt.Sprintf("2001:db8:7:7::%x", i), nil))
	}
	before := cs.authRequests.Load()
	resp := start("2001:db8:7:7:ffff::1", nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("301st pending request from one /64: %d (Retry-After %q), want 429", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp.Header.Get("Location") != "" || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(body), "Too many sign-ins were started from your network") {
		t.Errorf("refusal is not a readable page: %q %q: %.300s", resp.Header.Get("Location"), resp.Header.Get("Content-Type"), body)
	}
	if n := cs.authRequests.Load() - before; n != 0 {
		t.Errorf("the refused request stored %d pending requests", n)
	}

	// Another address (another /64) is unaffected.
	interaction(start("2001:db8:7:8::1", nil))
	if n := cs.authRequests.Load() - before; n != 1 {
		t.Errorf("request from another /64 stored %d pending requests, want 1", n)
	}

	// The SSO session from the exhausted /64 still gets a code at once,
	// storing nothing.
	before = cs.authRequests.Load()
	via.set("2001:db8:7:7::abcd")
	e.flow(t, sso, id, r, false, "", "", nil)
	if n := cs.authRequests.Load() - before; n != 0 {
		t.Errorf("an authorization answered from the SSO session stored %d pending requests", n)
	}
}

var (
	csrfValueRe = regexp.MustCompile(`name="csrf_token" value="[^"]*"`)
	nonceRe     = regexp.MustCompile(`nonce="[^"]*"`)
)

// TestRegistrationDoesNotRevealEmails (catalogue UI-09): registering with
// an existing email (in any case or Unicode width) is refused exactly like
// a clash found only when the account is written, so the answer does not
// say the address has an account; a taken username is named, and the page
// says usernames are public.
func TestRegistrationDoesNotRevealEmails(t *testing.T) {
	var failCreate atomic.Bool
	e := newEnvWrapped(t, slog.New(slog.NewTextHandler(io.Discard, nil)), func(s store.Store) store.Store { return &clashingStore{Store: s, fail: &failCreate} })
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	b := e.browser(t)
	resp := b.get(t, e.authURL(id, r, url.Values{"first_screen": {"register"}}))
	body, action, csrf := page(t, resp)
	if !strings.Contains(body, "Usernames are public: if one is taken we will tell you.") {
		t.Error("the registration page does not say usernames are public")
	}
	register := func(username, email string) (int, string) {
		t.Helper()
		resp := b.post(t, action, url.Values{"username": {username}, "email": {email}, "password": {"password-1"},
			"password_confirm": {"password-1"}, "csrf_token": {csrf}})
		body, _, _ := page(t, resp)
		body = nonceRe.ReplaceAllString(csrfValueRe.ReplaceAllString(body, "CSRF"), "NONCE")
		return resp.StatusCode, body
	}

	// The reference refusal: a fresh address whose insert clashes (a
	// concurrent registration took it).
	failCreate.Store(true)
	refStatus, refBody := register("newcomer", "kim@example.com")
	failCreate.Store(false)
	if refStatus == http.StatusSeeOther || !strings.Contains(refBody, "We could not create an account with these details.") {
		t.Fatalf("clash on insert: %d, want the generic refusal: %.2000s", refStatus, refBody)
	}
	e.user(t, "kim", "password-kim") // kim@example.com now exists
	for _, email := range []string{"kim@example.com", "KIM@Example.COM", "ｋｉｍ@ｅｘａｍｐｌｅ.ｃｏｍ"} {
		st, body := register("newcomer", email)
		if st != refStatus || body != refBody {
			t.Errorf("existing email %q: %d, want the same answer (%d) as another refusal; body:\n%s\nwant:\n%s", email, st, refStatus, body, refBody)
		}
		if strings.Contains(body, "already") {
			t.Errorf("existing email %q: the page says it is already registered", email)
		}
	}
	if _, err := e.Store.GetUserByLogin(t.Context(), "newcomer"); err == nil {
		t.Error("an account was created with an existing email")
	}
	st, body := register("KIM", "someone-else@example.com")
	if st != http.StatusBadRequest || !strings.Contains(body, "That username is taken.") {
		t.Errorf("existing username: %d, want 400 naming the username", st)
	}
}

// clashingStore refuses CreateUser as a lost race would, while fail is set.
type clashingStore struct {
	store.Store
	fail *atomic.Bool
}

func (s *clashingStore) CreateUser(ctx context.Context, u store.User) error {
	if s.fail.Load() {
		return store.ErrAlreadyExists
	}
	return s.Store.CreateUser(ctx, u)
}
