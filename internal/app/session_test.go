package app_test

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store"
)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// TestSessionIdleAndAbsoluteTimeout (catalogue SS-11): an SSO session ends
// after --session-idle-timeout without use and after --session-lifetime
// however used; using it keeps auth_time at the real sign-in.
func TestSessionIdleAndAbsoluteTimeout(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, func(c *config.Config, o *app.Options) {
		c.SessionIdleTimeout = time.Hour
		c.SessionLifetime = 3 * time.Hour
		o.Now = clock.Now
	})
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "ida", "password-ida")
	b := e.browser(t)

	authTime := func(code, v string) int64 {
		t.Helper()
		st, body := e.exchange(t, id, secret, code, v, r)
		if st != 200 {
			t.Fatalf("exchange %d %v", st, body)
		}
		return int64(unsafeClaims(t, body["id_token"].(string), jose.ES384)["auth_time"].(float64))
	}
	// silent runs a prompt=none request and returns the SSO session's
	// auth_time, or false when the session is gone (login_required).
	silent := func(step string) (int64, bool) {
		t.Helper()
		verifier, challenge := pkce()
		cb := callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}, "code_challenge": {challenge},
			"code_challenge_method": {"S256"}})), r)
		switch cb.Query().Get("error") {
		case "":
			return authTime(cb.Query().Get("code"), verifier), true
		case "login_required":
			return 0, false
		}
		t.Fatalf("%s: prompt=none → %s", step, cb.RawQuery)
		return 0, false
	}
	use := func(step string, want int64) {
		t.Helper()
		if got, ok := silent(step); !ok || got != want {
			t.Fatalf("%s: SSO session live=%v auth_time=%d, want live with auth_time %d", step, ok, got, want)
		}
	}
	gone := func(step string) {
		t.Helper()
		if _, ok := silent(step); ok {
			t.Fatalf("%s: the SSO session still signs in silently", step)
		}
		// An interactive request shows the sign-in page again.
		resp := b.get(t, e.authURL(id, r, nil))
		resp.Body.Close()
		if !strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
			t.Fatalf("%s: authorize went to %s, want the sign-in page", step, resp.Request.URL)
		}
	}

	code, v, _ := e.flow(t, b, id, r, true, "ida", "password-ida", nil)
	first := authTime(code, v)
	if first != clock.Now().Unix() {
		t.Fatalf("auth_time %d, want the sign-in time %d", first, clock.Now().Unix())
	}
	// Used every 50 minutes, the session outlives the one-hour idle timeout,
	// and auth_time stays the time of the password, not of the last use.
	clock.Advance(50 * time.Minute)
	use("50 min after sign-in", first)
	clock.Advance(50 * time.Minute)
	use("100 min after sign-in, 50 idle", first)
	// Unused for over an hour, it is over.
	clock.Advance(61 * time.Minute)
	gone("61 min idle")

	// The absolute lifetime (3 h) ends a session however active.
	code, v, _ = e.flow(t, b, id, r, true, "ida", "password-ida", nil)
	second := authTime(code, v)
	if second <= first {
		t.Fatalf("new sign-in auth_time %d not after %d", second, first)
	}
	for i := 1; i <= 3; i++ {
		clock.Advance(55 * time.Minute)
		use("active session", second)
	}
	clock.Advance(16 * time.Minute) // 181 min after sign-in, 16 idle
	gone("past the session lifetime")
}
