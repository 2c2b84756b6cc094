package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

// updateApp applies u through directory.Apps.Update, as the Management API
// and the console do.
func (e *env) updateApp(t testing.TB, id string, u directory.AppUpdate) {
	t.Helper()
	if _, err := (directory.Apps{Store: e.Store}).Update(t.Context(), id, u); err != nil {
		t.Fatalf("update app: %v", err)
	}
}

// refresh uses a refresh token (client_id in the body for public apps).
func (e *env) refresh(t testing.TB, clientID, secret, token string) (int, map[string]any) {
	t.Helper()
	basic := clientID
	if secret == "" {
		basic = ""
	}
	st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token},
		"client_id": {clientID}}, basic, secret)
	return st, body
}

// signIn runs a code flow for a fresh user of the app and returns the
// token response.
func (e *env) signIn(t testing.TB, id, secret, redirect, scope string) map[string]any {
	t.Helper()
	e.user(t, "u-"+id, "correct horse battery")
	code, verifier, _ := e.flow(t, e.browser(t), id, redirect, true, "u-"+id, "correct horse battery", url.Values{"scope": {scope}})
	st, body := e.exchange(t, id, secret, code, verifier, redirect)
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %v", st, body)
	}
	return body
}

func ptr[T any](v T) *T { return &v }

// TestAppIDTokenTTL: an app's idTokenTtl sets the ID token's lifetime, at
// the code exchange and on refresh; other apps keep the default hour.
func TestAppIDTokenTTL(t *testing.T) {
	e := newEnv(t)
	redirect := "http://localhost:3000/callback"
	id, secret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	other, otherSecret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	e.updateApp(t, id, directory.AppUpdate{IDTokenTTL: ptr(300)})

	life := func(body map[string]any) float64 {
		c := unsafeClaims(t, body["id_token"].(string), jose.ES384)
		return c["exp"].(float64) - c["iat"].(float64)
	}
	body := e.signIn(t, id, secret, redirect, "openid offline_access")
	if got := life(body); got != 300 {
		t.Errorf("ID token lifetime %v s, want 300", got)
	}
	st, refreshed := e.refresh(t, id, secret, body["refresh_token"].(string))
	if st != http.StatusOK {
		t.Fatalf("refresh: %d %v", st, refreshed)
	}
	if got := life(refreshed); got != 300 {
		t.Errorf("refreshed ID token lifetime %v s, want 300", got)
	}
	if got := life(e.signIn(t, other, otherSecret, redirect, "openid")); got != 3600 {
		t.Errorf("other app's ID token lifetime %v s, want the default 3600", got)
	}
}

// TestAppRefreshTokenTTL: an app's refreshTokenTtlInDays bounds its refresh
// tokens: 2 days on, one is refused, where the default 14 days would take it.
func TestAppRefreshTokenTTL(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, func(_ *config.Config, o *app.Options) { o.Now = clock.Now })
	redirect := "http://localhost:3000/callback"
	short, shortSecret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	def, defSecret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	e.updateApp(t, short, directory.AppUpdate{RefreshTokenTTLInDays: ptr(2)})

	shortRT := e.signIn(t, short, shortSecret, redirect, "openid offline_access")["refresh_token"].(string)
	defRT := e.signIn(t, def, defSecret, redirect, "openid offline_access")["refresh_token"].(string)
	clock.Advance(49 * time.Hour)
	if st, body := e.refresh(t, short, shortSecret, shortRT); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("refresh after the app's 2 days: %d %v, want invalid_grant", st, body)
	}
	if st, body := e.refresh(t, def, defSecret, defRT); st != http.StatusOK {
		t.Errorf("refresh of a default app after 2 days: %d %v", st, body)
	}
}

// TestAppRotateRefreshTokenOff: a public app rotates its refresh token on
// every use, so a second use of the same token is refused; with
// rotateRefreshToken off, the same token keeps working and comes back.
func TestAppRotateRefreshTokenOff(t *testing.T) {
	e := newEnv(t)
	redirect := "http://localhost:3000/callback"
	for _, rotate := range []bool{true, false} {
		id, _ := e.app(t, store.AppSPA, []string{redirect}, nil)
		e.updateApp(t, id, directory.AppUpdate{RotateRefreshToken: ptr(rotate)})
		rt := e.signIn(t, id, "", redirect, "openid offline_access")["refresh_token"].(string)
		st, first := e.refresh(t, id, "", rt)
		if st != http.StatusOK {
			t.Fatalf("rotate=%v: first refresh %d %v", rotate, st, first)
		}
		st, second := e.refresh(t, id, "", rt)
		if rotate {
			if first["refresh_token"] == rt || st != http.StatusBadRequest {
				t.Errorf("rotation on: first gave %v, second use %d %v; want a new token, then refused", first["refresh_token"], st, second)
			}
			continue
		}
		if st != http.StatusOK || first["refresh_token"] != rt || second["refresh_token"] != rt {
			t.Errorf("rotation off: second use %d %v; want the same token back both times", st, second)
		}
	}
}

// TestAppAlwaysIssueRefreshToken: without offline_access no refresh token
// is issued, unless the app has alwaysIssueRefreshToken; that token works.
func TestAppAlwaysIssueRefreshToken(t *testing.T) {
	e := newEnv(t)
	redirect := "http://localhost:3000/callback"
	plain, plainSecret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	always, alwaysSecret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	e.updateApp(t, always, directory.AppUpdate{AlwaysIssueRefreshToken: ptr(true)})

	if body := e.signIn(t, plain, plainSecret, redirect, "openid profile"); body["refresh_token"] != nil {
		t.Errorf("refresh token without offline_access: %v", body)
	}
	body := e.signIn(t, always, alwaysSecret, redirect, "openid profile")
	rt, _ := body["refresh_token"].(string)
	if rt == "" {
		t.Fatalf("no refresh token with alwaysIssueRefreshToken: %v", body)
	}
	if st, body := e.refresh(t, always, alwaysSecret, rt); st != http.StatusOK {
		t.Errorf("refresh: %d %v", st, body)
	}
}

// TestAppNamedSecrets: every live named secret authenticates; an expired
// or deleted one does not; rotation keeps the old default for its grace.
func TestAppNamedSecrets(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, func(_ *config.Config, o *app.Options) { o.Now = clock.Now })
	ctx := t.Context()
	id, def := e.app(t, store.AppM2M, nil, nil)
	d := directory.Apps{Store: e.Store, Now: clock.Now}
	c, err := d.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ci, meta, err := d.AddSecret(ctx, c, "ci", clock.Now().Add(time.Hour))
	if err != nil || len(ci) != 32 || meta.Hash != nil {
		t.Fatalf("AddSecret: %q %+v %v", ci, meta, err)
	}
	forever, _, err := d.AddSecret(ctx, c, "forever", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	auth := func(secret string) int {
		st, _, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
		return st
	}
	for name, s := range map[string]string{"default": def, "ci": ci, "forever": forever} {
		if st := auth(s); st != http.StatusOK {
			t.Errorf("secret %s: %d", name, st)
		}
	}
	wrong := ci[:31] + "x"
	if wrong == ci {
		wrong = ci[:31] + "y"
	}
	if st := auth(wrong); st != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d", st)
	}
	clock.Advance(61 * time.Minute)
	if st := auth(ci); st != http.StatusUnauthorized {
		t.Errorf("expired secret: %d", st)
	}
	if err := d.DeleteSecret(ctx, id, "forever"); err != nil {
		t.Fatal(err)
	}
	if st := auth(forever); st != http.StatusUnauthorized {
		t.Errorf("deleted secret: %d", st)
	}
	next, _, err := d.RotateSecret(ctx, c, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if auth(next) != http.StatusOK || auth(def) != http.StatusOK {
		t.Error("after rotation, the new and the old default secret should both work")
	}
	clock.Advance(61 * time.Minute)
	if auth(next) != http.StatusOK || auth(def) != http.StatusUnauthorized {
		t.Error("after the grace, only the new default secret should work")
	}
	list, err := d.Secrets(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(list)
	if len(list) != 3 || json.Valid(b) && containsHash(list) {
		t.Errorf("secrets = %s; want ci, previous and default without hashes", b)
	}
}

func containsHash(l []store.ClientSecret) bool {
	for _, s := range l {
		if s.Hash != nil {
			return true
		}
	}
	return false
}
