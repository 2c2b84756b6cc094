package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// faultStore fails the named store methods with store.ErrUnavailable, as a
// database that stops answering would.
type faultStore struct {
	store.Store
	mu      sync.Mutex
	failing map[string]bool
}

func (f *faultStore) set(names ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing = map[string]bool{}
	for _, n := range names {
		f.failing[n] = true
	}
}

func (f *faultStore) fail(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing[name] {
		return fmt.Errorf("injected %s failure: %w", name, store.ErrUnavailable)
	}
	return nil
}

func (f *faultStore) RevokeGrant(ctx context.Context, id string, now time.Time) error {
	if err := f.fail("RevokeGrant"); err != nil {
		return err
	}
	return f.Store.RevokeGrant(ctx, id, now)
}

func (f *faultStore) RevokeAccessToken(ctx context.Context, hash []byte, now time.Time) error {
	if err := f.fail("RevokeAccessToken"); err != nil {
		return err
	}
	return f.Store.RevokeAccessToken(ctx, hash, now)
}

func (f *faultStore) UseRefreshToken(ctx context.Context, hash []byte, now time.Time, fn func(store.RefreshToken, store.Grant) (store.RefreshIssue, error)) (store.RefreshToken, error) {
	if err := f.fail("UseRefreshToken"); err != nil {
		return store.RefreshToken{}, err
	}
	return f.Store.UseRefreshToken(ctx, hash, now, fn)
}

func (f *faultStore) RedeemCode(ctx context.Context, hash []byte, now time.Time, fn func(store.AuthCode) (store.CodeIssue, error)) (store.AuthCode, error) {
	if err := f.fail("RedeemCode"); err != nil {
		return store.AuthCode{}, err
	}
	return f.Store.RedeemCode(ctx, hash, now, fn)
}

func (f *faultStore) ReserveAttempt(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, time.Time, error) {
	if err := f.fail("ReserveAttempt"); err != nil {
		return false, time.Time{}, err
	}
	if strings.HasPrefix(key, "ip:") {
		if err := f.fail("ReserveAttempt ip"); err != nil {
			return false, time.Time{}, err
		}
	}
	return f.Store.ReserveAttempt(ctx, key, limit, window, now)
}

func (f *faultStore) DeleteSession(ctx context.Context, idHash []byte) error {
	if err := f.fail("DeleteSession"); err != nil {
		return err
	}
	return f.Store.DeleteSession(ctx, idHash)
}

// TestDatabaseFaults (catalogue FT-05, TL-10, RP-07): when a write the
// request depends on fails, the answer is 503 with Retry-After, never a
// success that did not happen, and nothing is half-done: the code, refresh
// token and session that the failed request touched work once the database
// answers again.
func TestDatabaseFaults(t *testing.T) {
	fs := &faultStore{}
	e := newEnvWrapped(t, slog.New(slog.NewTextHandler(io.Discard, nil)), func(s store.Store) store.Store {
		fs.Store = s
		return fs
	})
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, []string{"https://app.example/"})
	e.user(t, "faye", "password-faye")
	b := e.browser(t)
	unavailable := func(what string, st int, h http.Header) {
		t.Helper()
		if st != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
			t.Errorf("%s with the database failing: %d (Retry-After %q), want 503 with Retry-After", what, st, h.Get("Retry-After"))
		}
	}

	// Code exchange: 503, and the code is still good afterwards.
	code, v, _ := e.flow(t, b, id, r, true, "faye", "password-faye", nil)
	fs.set("RedeemCode")
	st, _, h := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"code_verifier": {v}, "redirect_uri": {r}}, id, secret)
	unavailable("code exchange", st, h)
	fs.set()
	st, body := e.exchange(t, id, secret, code, v, r)
	if st != 200 {
		t.Fatalf("the code did not survive a failed exchange: %d %v", st, body)
	}
	rt, at := body["refresh_token"].(string), body["access_token"].(string)

	// Refresh: 503, and the refresh token still works.
	fs.set("UseRefreshToken")
	st, _, h = e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, secret)
	unavailable("refresh", st, h)
	fs.set()
	if st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, secret); st != 200 {
		t.Fatalf("the refresh token did not survive a failed refresh: %d %v", st, body)
	}

	// Revocation never claims a revocation that did not happen (RFC 7009
	// says 200 for unknown tokens; a failed write is not one).
	fs.set("RevokeGrant", "RevokeAccessToken")
	st, _, h = e.postForm(t, "/oidc/token/revocation", url.Values{"token": {rt}}, id, secret)
	unavailable("refresh token revocation", st, h)
	st, _, h = e.postForm(t, "/oidc/token/revocation", url.Values{"token": {at}}, id, secret)
	unavailable("access token revocation", st, h)
	fs.set()
	if userinfo(t, e, at) != 200 {
		t.Fatal("a failed revocation revoked the token")
	}

	// Sign-out: an error page, and the browser keeps its live session (it
	// is not told it signed out while the session and its tokens live on).
	fs.set("DeleteSession")
	resp := b.get(t, e.Issuer+"/session/end?client_id="+id+"&post_logout_redirect_uri="+url.QueryEscape("https://app.example/"))
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Location") != "" {
		t.Errorf("sign-out with the database failing: %d %q, want a 503 page", resp.StatusCode, resp.Header.Get("Location"))
	}
	fs.set()
	if cb := callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}})), r); cb.Query().Get("error") != "" {
		t.Errorf("after a failed sign-out the session is gone from the browser: %s", cb.RawQuery)
	}

	// Sign-in: the attempt cannot be counted, so the password is not
	// checked and no session starts.
	fresh := e.browser(t)
	fs.set("ReserveAttempt")
	// A new pending request cannot be counted against the address's limit
	// either: 503, nothing stored.
	resp = fresh.get(t, e.authURL(id, r, nil))
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("authorization with the throttle store failing: %d, want 503", resp.StatusCode)
	}
	fs.set()
	signIn := fresh.get(t, e.authURL(id, r, nil))
	fs.set("ReserveAttempt")
	resp = fresh.login(t, signIn, "faye", "password-faye")
	body2, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(body2), "Incorrect") {
		t.Errorf("sign-in with the throttle store failing: %d, want 503", resp.StatusCode)
	}
	fs.set()
	if cb := callback(t, fresh.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}})), r); cb.Query().Get("error") != "login_required" {
		t.Errorf("a failed sign-in started a session: %s", cb.RawQuery)
	}
	// A wrong password that cannot be counted against the network's limit
	// is refused with 503, not passed over uncounted.
	signIn = fresh.get(t, e.authURL(id, r, nil))
	fs.set("ReserveAttempt ip")
	resp = fresh.login(t, signIn, "faye", "wrong password")
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("uncountable failed sign-in: %d, want 503", resp.StatusCode)
	}
	fs.set()
}
