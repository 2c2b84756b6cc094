package app_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// TestSlowDatabase (docs/testing.md, fault matrix): PostgreSQL behind a
// proxy that delays every round trip by 200 ms, and a request timeout
// (--request-timeout) of 500 ms, so that code exchanges and user
// creations run out of time part-way. Every answer is a success or a 503
// with Retry-After, never a 500, and nothing is half-done: a code is
// redeemed at most once and, when no exchange succeeded, either it is
// still redeemable or what it issued is stored whole; a user whose
// creation timed out exists whole or not at all. Afterwards the server's
// goroutines settle back.
func TestSlowDatabase(t *testing.T) {
	dsn := testkit.NewSchema(t, testkit.PostgresDSN(t), "slow")
	u, proxy := testkit.ProxyPostgres(t, dsn)
	m := newMgmtWith(t, []envOption{func(c *config.Config, _ *app.Options) {
		c.DatabaseURL, c.Secret, c.RequestTimeout = u.String(), "slow-database-test-master-secret-0123", 500*time.Millisecond
	}}, nil)
	e := m.env
	tok := m.token(t, m.appID, m.secret, admin.APIIndicator(m.URL), admin.Scope)
	redirect := "https://app.example/cb"
	clientID, clientSecret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	e.user(t, "ada", "correct horse battery")
	b := e.browser(t)
	opts := url.Values{"scope": {"openid offline_access"}}
	code, verifier, _ := e.flow(t, b, clientID, redirect, true, "ada", "correct horse battery", opts)
	if st, body := e.exchange(t, clientID, clientSecret, code, verifier, redirect); st != 200 {
		t.Fatalf("exchange without delay: %d %v", st, body)
	}
	before := runtime.NumGoroutine()

	slow := func(what string, st int, hdr map[string][]string) {
		t.Helper()
		if st != 200 && st != 201 && st != 503 {
			t.Fatalf("%s on a slow database: %d, want a success or 503", what, st)
		}
		if st == 503 && len(hdr["Retry-After"]) == 0 {
			t.Errorf("%s: 503 without Retry-After", what)
		}
	}
	timedOut, spent := 0, 1 // the exchange above
	for i := range 4 {
		code, verifier, _ := e.flow(t, b, clientID, redirect, false, "", "", opts)
		proxy.SetDelay(200 * time.Millisecond)
		st, body, hdr := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"code_verifier": {verifier}, "redirect_uri": {redirect}}, clientID, clientSecret)
		slow("code exchange", st, hdr)
		if st == 503 && body["error"] != "temporarily_unavailable" {
			t.Errorf("503 with error %v, want temporarily_unavailable", body["error"])
		}
		proxy.SetDelay(0)
		st2, _ := e.exchange(t, clientID, clientSecret, code, verifier, redirect)
		if st == 200 && st2 == 200 {
			t.Fatalf("exchange %d: the code was redeemed twice", i)
		}
		if st == 503 {
			timedOut++
		}
		if st == 200 || st2 == 200 || st2 == 400 {
			spent++ // 400 after a 503: the timed-out exchange committed
		}
	}
	// Every spent code issued its refresh token (offline_access): nothing
	// was consumed without what it issues being stored with it.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tokens int
	if err := db.QueryRow(`SELECT count(*) FROM refresh_tokens WHERE client_id = $1`, clientID).Scan(&tokens); err != nil {
		t.Fatal(err)
	}
	if tokens != spent {
		t.Fatalf("%d codes spent, %d refresh tokens stored", spent, tokens)
	}

	for i := range 4 {
		name := fmt.Sprintf("slow%d", i)
		proxy.SetDelay(200 * time.Millisecond)
		st, hdr, raw := m.call(t, tok, "POST", "/api/users", map[string]any{"username": name, "password": "correct horse battery"})
		slow("user creation", st, hdr)
		proxy.SetDelay(0)
		if st == 503 {
			timedOut++
		}
		gst, _, graw := m.call(t, tok, "GET", "/api/users/"+name, nil)
		switch {
		case st == 200 || st == 201:
			if gst != 200 {
				t.Fatalf("user %s acknowledged but not found: %d", name, gst)
			}
		case gst == 200:
			var u struct {
				Username string `json:"username"`
			}
			if json.Unmarshal(graw, &u) != nil || u.Username != name {
				t.Fatalf("user %s half-created: %s", name, graw)
			}
		case gst != 404:
			t.Fatalf("user %s after a timeout: %d %s (creation said %d %s)", name, gst, graw, st, raw)
		}
	}
	if timedOut == 0 {
		t.Fatal("no request timed out: the test did not exercise the timeout")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+10 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+10 {
		t.Errorf("goroutines: %d before the slow requests, %d after", before, n)
	}
	t.Logf("%d of 8 requests timed out", timedOut)
}
