package app_test

import (
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// TestPostgresRestartUnderLoad (docs/testing.md, "Faults"): a PostgreSQL
// server of the test's own is restarted (fast shutdown) while four workers
// run code flows and client_credentials against Sesame. During the outage
// requests fail cleanly (503, never 500 or a hang past the request
// timeout); nothing acknowledged is lost (every refresh token refreshes
// afterwards); and Sesame serves again by itself, without a restart.
func TestPostgresRestartUnderLoad(t *testing.T) {
	pg := testkit.NewPGCluster(t)
	e := newEnv(t, func(c *config.Config, _ *app.Options) {
		c.DatabaseURL, c.Secret, c.RequestTimeout = pg.DSN, "pg-restart-test-master-secret-0123456", 5*time.Second
	})
	redirect := "https://app.example/cb"
	web, webSecret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	e.resource(t, apiA, "read")
	m2m, m2mSecret := e.app(t, store.AppM2M, nil, nil)
	e.permit(t, m2m, map[string][]string{apiA: {"read"}})
	e.user(t, "ada", "correct horse battery")
	b := e.browser(t)
	opts := url.Values{"scope": {"openid offline_access"}}
	code, verifier, _ := e.flow(t, b, web, redirect, true, "ada", "correct horse battery", opts)
	if st, body := e.exchange(t, web, webSecret, code, verifier, redirect); st != 200 {
		t.Fatalf("exchange: %d %v", st, body)
	}

	var (
		mu           sync.Mutex
		acknowledged []string
		ok, refused  atomic.Int64
		stop         = make(chan struct{})
		wg           sync.WaitGroup
	)
	status := func(what string, st int) bool {
		switch st {
		case 200:
			ok.Add(1)
			return true
		case 503:
			refused.Add(1)
			return false
		}
		t.Errorf("%s while PostgreSQL restarts: %d, want 200 or 503", what, st)
		return false
	}
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				st, _, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"client_credentials"},
					"resource": {apiA}, "scope": {"read"}}, m2m, m2mSecret)
				status("client_credentials", st)
			}
		})
	}
	// The main goroutine runs code flows on the SSO session: each one that
	// succeeds is acknowledged.
	flows := func(n int) {
		for range n {
			verifier, challenge := testkit.PKCE()
			resp, err := b.Client.Get(e.authURL(web, redirect, url.Values{"code_challenge": {challenge},
				"code_challenge_method": {"S256"}, "scope": {"openid offline_access"}}))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				status("authorize", resp.StatusCode)
				time.Sleep(50 * time.Millisecond)
				continue
			}
			code := callback(t, resp, redirect).Query().Get("code")
			if code == "" {
				refused.Add(1) // temporarily_unavailable at the redirect
				time.Sleep(50 * time.Millisecond)
				continue
			}
			st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"code_verifier": {verifier}, "redirect_uri": {redirect}}, web, webSecret)
			if status("code exchange", st) {
				mu.Lock()
				acknowledged = append(acknowledged, body["refresh_token"].(string))
				mu.Unlock()
			}
		}
	}
	flows(5)
	down, err := pg.Restart()
	if err != nil {
		t.Fatal(err)
	}
	before := ok.Load()
	// Served again, by itself.
	deadline := time.Now().Add(20 * time.Second)
	for ok.Load() < before+20 {
		if time.Now().After(deadline) {
			t.Fatalf("Sesame did not serve again within 20 s of PostgreSQL's restart (%d ok, %d refused)", ok.Load(), refused.Load())
		}
		flows(1)
	}
	flows(5)
	close(stop)
	wg.Wait()
	for i, rt := range acknowledged {
		st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, web, webSecret)
		if st != 200 {
			t.Fatalf("refresh token %d acknowledged under load: %d %v", i, st, body)
		}
	}
	t.Logf("PostgreSQL down for %v; %d requests ok, %d refused with 503; %d refresh tokens acknowledged, all present",
		down.Round(time.Millisecond), ok.Load(), refused.Load(), len(acknowledged))
}
