package app_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
)

// TestSuspendAndDeleteUser (catalogue TL-12, UI-07, SS-09): suspending a
// user ends everything they hold at once: SSO session, access tokens,
// refresh tokens (offline ones too), and new sign-ins; unsuspending lets
// them sign in again but revives no old token. Deleting does the same.
func TestSuspendAndDeleteUser(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	u := e.user(t, "sue", "password-sue")
	b := e.browser(t)

	signIn := func(b *browser) (at, rt string) {
		t.Helper()
		code, v, _ := e.flow(t, b, id, r, true, "sue", "password-sue", nil)
		st, body := e.exchange(t, id, secret, code, v, r)
		if st != 200 || body["refresh_token"] == nil {
			t.Fatalf("exchange %d %v", st, body)
		}
		return body["access_token"].(string), body["refresh_token"].(string)
	}
	refresh := func(rt string) (int, map[string]any) {
		st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, secret)
		return st, body
	}
	active := func(token string) bool {
		t.Helper()
		st, body, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {token}}, id, secret)
		if st != 200 {
			t.Fatalf("introspection %d %v", st, body)
		}
		return body["active"] == true
	}
	silent := func() string {
		t.Helper()
		_, challenge := pkce()
		cb := callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}})), r)
		return cb.Query().Get("error")
	}
	assertDead := func(step, at, rt string) {
		t.Helper()
		if st := userinfo(t, e, at); st != http.StatusUnauthorized {
			t.Errorf("%s: userinfo with the old access token %d, want 401", step, st)
		}
		if active(at) || active(rt) {
			t.Errorf("%s: introspection still says active (at %v, rt %v)", step, active(at), active(rt))
		}
		if st, body := refresh(rt); st != 400 || body["error"] != "invalid_grant" {
			t.Errorf("%s: refresh %d %v, want invalid_grant", step, st, body)
		}
	}

	at, rt := signIn(b)
	// A second grant whose tokens are not presented while suspended: using
	// a token of a suspended user revokes its grant by itself, so only
	// these show that suspending revoked them.
	atUnused, rtUnused := signIn(e.browser(t))
	if !active(at) || !active(rt) || silent() != "" {
		t.Fatal("fresh sign-in is not live")
	}
	if err := (directory.Users{Store: e.Store}).Suspend(t.Context(), u.ID, true); err != nil {
		t.Fatal(err)
	}
	assertDead("suspended", at, rt)
	if got := silent(); got != "login_required" {
		t.Errorf("suspended: prompt=none → %q, want login_required", got)
	}
	// The right password does not sign a suspended user in.
	resp := b.login(t, b.get(t, e.authURL(id, r, nil)), "sue", "password-sue")
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("suspended user's sign-in: %d, want 403", resp.StatusCode)
	}

	// Unsuspended: a new sign-in works, the old tokens stay dead.
	if err := (directory.Users{Store: e.Store}).Suspend(t.Context(), u.ID, false); err != nil {
		t.Fatal(err)
	}
	assertDead("unsuspended", at, rt)
	assertDead("unsuspended, tokens unused while suspended", atUnused, rtUnused)
	at2, rt2 := signIn(b)
	if userinfo(t, e, at2) != 200 {
		t.Fatal("sign-in after unsuspend does not work")
	}

	if err := e.Store.DeleteUser(t.Context(), u.ID); err != nil {
		t.Fatal(err)
	}
	assertDead("deleted", at2, rt2)
	if got := silent(); got != "login_required" {
		t.Errorf("deleted: prompt=none → %q, want login_required", got)
	}
}

// TestClientSecretRotation (catalogue TL-19): after a rotation both secrets
// work during the grace period and only the new one after it; a second
// rotation ends the first secret at once.
func TestClientSecretRotation(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, func(_ *config.Config, o *app.Options) { o.Now = clock.Now })
	id, old := e.app(t, store.AppTraditional, []string{"https://app.example/cb"}, nil)
	authenticates := func(secret string) bool {
		t.Helper()
		st, body, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {"unknown"}}, id, secret)
		if st != 200 && st != 401 {
			t.Fatalf("introspection: %d %v", st, body)
		}
		return st == 200
	}
	rotate := func(grace time.Duration) string {
		t.Helper()
		secret := directory.NewSecret()
		if err := e.Store.RotateClientSecret(t.Context(), id, store.ClientSecret{Hash: provider.HashSecret(secret), CreatedAt: clock.Now()}, clock.Now().Add(grace)); err != nil {
			t.Fatal(err)
		}
		return secret
	}
	second := rotate(time.Hour)
	if !authenticates(old) || !authenticates(second) {
		t.Fatalf("during the grace period: old %v, new %v; want both", authenticates(old), authenticates(second))
	}
	clock.Advance(time.Hour)
	if authenticates(old) || !authenticates(second) {
		t.Fatalf("after the grace period: old %v, new %v; want only the new", authenticates(old), authenticates(second))
	}
	third := rotate(time.Hour)
	clock.Advance(time.Minute)
	if authenticates(old) || !authenticates(second) || !authenticates(third) {
		t.Errorf("after a second rotation: first %v, second %v, third %v; want the first dead", authenticates(old), authenticates(second), authenticates(third))
	}
	nearMiss := third[:31] + "x"
	if nearMiss == third {
		nearMiss = third[:31] + "y"
	}
	if authenticates(nearMiss) {
		t.Error("a near-miss of the new secret authenticated")
	}
}

// TestPasswordChangeSignsOutEverywhere (catalogue UI-11, TL-12): after an
// admin sets a new password, the old one fails, the new one works, and the
// sessions and tokens from before (offline ones included) are dead.
func TestPasswordChangeSignsOutEverywhere(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	u := e.user(t, "pat", "old password")
	b := e.browser(t)
	code, v, _ := e.flow(t, b, id, r, true, "pat", "old password", nil)
	_, body := e.exchange(t, id, secret, code, v, r)
	at, rt := body["access_token"].(string), body["refresh_token"].(string)

	if err := (directory.Users{Store: e.Store, PasswordParams: fastHash}).SetPassword(t.Context(), u.ID, "new password"); err != nil {
		t.Fatal(err)
	}
	if st := userinfo(t, e, at); st != http.StatusUnauthorized {
		t.Errorf("access token from before the change: %d, want 401", st)
	}
	if st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, secret); st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("offline refresh token from before the change: %d %v", st, body)
	}
	_, challenge := pkce()
	if cb := callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}})), r); cb.Query().Get("error") != "login_required" {
		t.Errorf("session from before the change: %s", cb.RawQuery)
	}
	resp := b.login(t, b.get(t, e.authURL(id, r, nil)), "pat", "old password")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password: %d, want 401", resp.StatusCode)
	}
	e.flow(t, e.browser(t), id, r, true, "pat", "new password", nil)
}
