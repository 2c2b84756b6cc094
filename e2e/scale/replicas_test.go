//go:build e2e

package scale

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
)

// cluster is N replicas of sesame on one fresh PostgreSQL database, behind
// an lb whose URL is every replica's --endpoint.
type cluster struct {
	DB        string
	DSN       string
	storeArgs []string
	lb        *lb
	replicas  []*replica
}

func newCluster(t *testing.T, n int, env []string, extra ...string) *cluster {
	t.Helper()
	name, dsn := newDatabase(t)
	c := &cluster{DB: name, DSN: dsn, storeArgs: []string{"--database-url", dsn}}
	out := sesameCLI(t, append([]string{"migrate"}, c.storeArgs...)...)
	if !strings.Contains(string(out), "up to date") {
		t.Fatalf("migrate said %q", out)
	}
	c.lb = newLB(t, 0)
	for i := 0; i < n; i++ {
		r := newReplica(t, fmt.Sprintf("replica-%c", 'A'+i), c.lb.URL, c.storeArgs, env, extra...)
		c.replicas = append(c.replicas, r)
	}
	c.lb.backends = c.replicas
	for _, r := range c.replicas {
		r.start()
	}
	for _, r := range c.replicas {
		r.waitReady(t)
	}
	return c
}

// TestConcurrentStartFreshDatabase starts two replicas at the same instant
// on an empty database: both must come up (goose's advisory lock
// serialises the migration) and the schema must be migrated exactly once.
func TestConcurrentStartFreshDatabase(t *testing.T) {
	name, dsn := newDatabase(t)
	l := newLB(t, 0)
	var rs []*replica
	for i := 0; i < 3; i++ {
		rs = append(rs, newReplica(t, fmt.Sprintf("fresh-%d", i), l.URL, []string{"--database-url", dsn}, nil))
	}
	l.backends = rs
	for _, r := range rs {
		r.start()
	}
	for _, r := range rs {
		r.waitReady(t)
	}
	db := openDB(t, dsn)
	var versions, applied int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version_id) FROM goose_db_version`).Scan(&applied, &versions); err != nil {
		t.Fatal(err)
	}
	if applied != versions {
		t.Errorf("goose_db_version has %d rows for %d versions: a migration ran twice", applied, versions)
	}
	var keys, algKeys int
	db.QueryRow(`SELECT count(*) FILTER (WHERE purpose = ''), count(*) FILTER (WHERE purpose <> '') FROM signing_keys`).Scan(&keys, &algKeys)
	t.Logf("database %s: %d migration rows, %d default and %d per-algorithm signing keys after 3 concurrent first starts", name, applied, keys, algKeys)
	if keys != 1 {
		t.Errorf("%d default signing keys after concurrent first starts, want 1 (Keys.CreateFirstKey is serialised)", keys)
	}
	// The RS256 key each replica makes in the background: at most one
	// (Keys.CreateKeyIfNone is serialised too).
	if algKeys > 1 {
		t.Errorf("%d RS256 keys after concurrent first starts, want at most 1", algKeys)
	}
	// Every replica's tokens verify on every other (JWKS convergence and
	// Verify's reload-on-unknown-kid).
	st := []string{"--database-url", dsn}
	m2m := createApp(t, st, "m2m")
	createResource(t, st, "https://api.example/fresh")
	permit(t, st, m2m.ID, "https://api.example/fresh")
	ctx := context.Background()
	for i := range rs {
		tr, err := postToken(ctx, l.URL, i, m2m.ID, m2m.Secret, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example/fresh"}})
		if err != nil || tr.Status != 200 {
			t.Fatalf("client_credentials on %s: %v %+v", rs[i].name, err, tr)
		}
		for j := range rs {
			active, st, err := introspect(ctx, l.URL, j, m2m.ID, m2m.Secret, tr.AccessToken)
			if err != nil || !active {
				t.Errorf("token from %s introspected on %s: active=%v status=%d err=%v", rs[i].name, rs[j].name, active, st, err)
			}
		}
	}
}

// TestReplicas: two replicas, every request alternating between them.
func TestReplicas(t *testing.T) {
	ctx := context.Background()
	rp1 := e2etest.NewRelyingParty(t, "rp1")
	rp2 := e2etest.NewRelyingParty(t, "rp2")
	c := newCluster(t, 2, nil)
	st := c.storeArgs
	// migrate again: a no-op on an up-to-date database.
	db := openDB(t, c.DSN)
	var before, after int
	db.QueryRow(`SELECT count(*) FROM goose_db_version`).Scan(&before)
	sesameCLI(t, append([]string{"migrate"}, st...)...)
	db.QueryRow(`SELECT count(*) FROM goose_db_version`).Scan(&after)
	if before != after {
		t.Errorf("second migrate changed goose_db_version: %d → %d rows", before, after)
	}

	pw := "correct horse " + randomHex(4)
	sub := createUser(t, st, "alice", pw)
	web := createApp(t, st, "traditional", "http://127.0.0.1:9/callback")
	m2m := createApp(t, st, "m2m")
	createResource(t, st, "https://api.example/scale")
	permit(t, st, m2m.ID, "https://api.example/scale")
	for _, rp := range []*e2etest.RelyingParty{rp1, rp2} {
		a := createApp(t, st, "traditional", rp.URL+"/callback")
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := rp.Connect(cctx, c.lb.URL+"/oidc", a.ID, a.Secret); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
	c.lb.snapshot()

	t.Run("chromium sign-in and SSO alternate replicas", func(t *testing.T) {
		ch := e2etest.StartChrome(t)
		tab := ch.NewTab(t)
		c.lb.order()
		tab.Navigate(rp1.URL + "/login")
		tab.WaitFor("Sesame's sign-in form", e2etest.OnPage(c.lb.URL+"/sign-in?")+` && document.querySelector('form #password')`)
		tab.SubmitSignIn("alice", pw)
		got, _ := e2etest.SignedInAs(t, tab.WaitCallback(rp1))
		if got != sub {
			t.Fatalf("rp1 signed in as %s, want %s", got, sub)
		}
		checkAlternation(t, "sign-in", c.lb.order())
		tab.Navigate(rp2.URL + "/login")
		got2, _ := e2etest.SignedInAs(t, tab.WaitCallback(rp2))
		if got2 != sub {
			t.Fatalf("rp2 (SSO) signed in as %s, want %s", got2, sub)
		}
		checkAlternation(t, "SSO", c.lb.order())
	})

	t.Run("logout on A, prompt=none on B", func(t *testing.T) {
		b := newBrowser(c.lb.URL)
		b.pin(0)
		code, ap, err := b.signIn(web.ID, "http://127.0.0.1:9/callback", "alice", pw, url.Values{"scope": {"openid profile"}})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := postToken(ctx, c.lb.URL, 1, web.ID, web.Secret, exchangeForm(code, ap))
		if err != nil || tr.Status != 200 {
			t.Fatalf("code from A redeemed on B: %v %+v", err, tr)
		}
		if s := userinfoStatus(t, c.lb.URL, 0, tr.AccessToken); s != 200 {
			t.Fatalf("userinfo on A = %d", s)
		}
		resp, err := b.get(c.lb.URL + "/oidc/session/end?" + url.Values{"client_id": {web.ID},
			"post_logout_redirect_uri": {"http://127.0.0.1:9/"}, "state": {"bye"}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := redirectTo(resp, "http://127.0.0.1:9/"); err != nil {
			t.Fatalf("logout on A: %v", err)
		}
		b.pin(1)
		u, _ := authURL(c.lb.URL, web.ID, "http://127.0.0.1:9/callback", url.Values{"prompt": {"none"}})
		resp, err = b.get(u)
		if err != nil {
			t.Fatal(err)
		}
		cb, err := redirectTo(resp, "http://127.0.0.1:9/callback")
		if err != nil || cb.Query().Get("error") != "login_required" {
			t.Fatalf("prompt=none on B right after logout on A: %v %v", cb, err)
		}
		// The grant had no offline_access: it ended with the session.
		if s := userinfoStatus(t, c.lb.URL, 1, tr.AccessToken); s != 401 {
			t.Errorf("access token of the ended session on B: userinfo %d, want 401", s)
		}
	})

	t.Run("revocation on one replica is seen by the other at once", func(t *testing.T) {
		b := newBrowser(c.lb.URL)
		for round := 0; round < 2; round++ { // A revokes / B checks, then B / A
			rev, chk := round, 1-round
			b.pin(rev)
			code, ap, err := b.signIn(web.ID, "http://127.0.0.1:9/callback", "alice", pw, nil)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := postToken(ctx, c.lb.URL, chk, web.ID, web.Secret, exchangeForm(code, ap))
			if err != nil || tr.Status != 200 || tr.RefreshToken == "" {
				t.Fatalf("exchange: %v %+v", err, tr)
			}
			if s := userinfoStatus(t, c.lb.URL, chk, tr.AccessToken); s != 200 {
				t.Fatalf("userinfo before revocation = %d", s)
			}
			// access token revoked on rev → refused on chk
			r, _ := postJSON(ctx, c.lb.URL+"/oidc/token/revocation", rev, web.ID, web.Secret, url.Values{"token": {tr.AccessToken}})
			if r.Status != 200 {
				t.Fatalf("revoke access token: %d", r.Status)
			}
			if s := userinfoStatus(t, c.lb.URL, chk, tr.AccessToken); s != 401 {
				t.Errorf("access token revoked on %d, userinfo on %d = %d, want 401", rev, chk, s)
			}
			// refresh token revoked on rev → refused on chk
			r, _ = postJSON(ctx, c.lb.URL+"/oidc/token/revocation", rev, web.ID, web.Secret, url.Values{"token": {tr.RefreshToken}})
			if r.Status != 200 {
				t.Fatalf("revoke refresh token: %d", r.Status)
			}
			rt, err := postToken(ctx, c.lb.URL, chk, web.ID, web.Secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}})
			if err != nil || rt.Status != 400 || rt.Error != "invalid_grant" {
				t.Errorf("refresh token revoked on %d, refreshed on %d: %v %+v, want 400 invalid_grant", rev, chk, err, rt)
			}
		}
	})

	t.Run("suspending a user and deleting an app hold on every replica at once", func(t *testing.T) {
		// Catalogue SS-09 and FT-11: one user signed in through A and one
		// through B; `users suspend` (run against the shared database,
		// as an admin would) ends both at the next request on either.
		victimPW := "correct horse " + randomHex(4)
		createUser(t, st, "victim", victimPW)
		temp := createApp(t, st, "traditional", "http://127.0.0.1:9/callback")
		var browsers []*browser
		var tokens []tokenResp
		for i := range 2 {
			b := newBrowser(c.lb.URL)
			b.pin(i)
			code, ap, err := b.signIn(temp.ID, "http://127.0.0.1:9/callback", "victim", victimPW, url.Values{"scope": {"openid offline_access"}})
			if err != nil {
				t.Fatal(err)
			}
			tr, err := postToken(ctx, c.lb.URL, i, temp.ID, temp.Secret, exchangeForm(code, ap))
			if err != nil || tr.Status != 200 || tr.RefreshToken == "" {
				t.Fatalf("exchange on %d: %v %+v", i, err, tr)
			}
			browsers, tokens = append(browsers, b), append(tokens, tr)
		}
		sesameCLI(t, append([]string{"users", "suspend", "victim"}, st...)...)
		for i, b := range browsers {
			other := 1 - i
			b.pin(other)
			u, _ := authURL(c.lb.URL, temp.ID, "http://127.0.0.1:9/callback", url.Values{"prompt": {"none"}})
			resp, err := b.get(u)
			if err != nil {
				t.Fatal(err)
			}
			if cb, err := redirectTo(resp, "http://127.0.0.1:9/callback"); err != nil || cb.Query().Get("error") != "login_required" {
				t.Errorf("session from replica %d after suspend, prompt=none on %d: %v %v", i, other, cb, err)
			}
			if s := userinfoStatus(t, c.lb.URL, other, tokens[i].AccessToken); s != 401 {
				t.Errorf("access token from replica %d after suspend, userinfo on %d = %d, want 401", i, other, s)
			}
			if rt, err := postToken(ctx, c.lb.URL, other, temp.ID, temp.Secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokens[i].RefreshToken}}); err != nil || rt.Error != "invalid_grant" {
				t.Errorf("offline refresh token from replica %d after suspend, refreshed on %d: %v %+v", i, other, err, rt)
			}
		}
		sesameCLI(t, append([]string{"users", "unsuspend", "victim"}, st...)...)

		// Deleting the app: its next authorization request is refused on
		// both replicas, and a fresh token of it dies.
		b := browsers[0]
		b.pin(0)
		code, ap, err := b.signIn(temp.ID, "http://127.0.0.1:9/callback", "victim", victimPW, nil)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := postToken(ctx, c.lb.URL, 0, temp.ID, temp.Secret, exchangeForm(code, ap))
		if err != nil || tr.Status != 200 {
			t.Fatalf("exchange before delete: %v %+v", err, tr)
		}
		sesameCLI(t, append([]string{"apps", "delete", temp.ID}, st...)...)
		for i := range 2 {
			if s := userinfoStatus(t, c.lb.URL, i, tr.AccessToken); s != 401 {
				t.Errorf("deleted app's access token, userinfo on %d = %d, want 401", i, s)
			}
			b.pin(i)
			u, _ := authURL(c.lb.URL, temp.ID, "http://127.0.0.1:9/callback", nil)
			resp, err := b.get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
				t.Errorf("deleted app's authorization request on %d: %d %q, want a 400 page", i, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})

	t.Run("SIGKILL one replica mid-run, restart, rejoin", func(t *testing.T) {
		var ok, failed atomic.Int64
		var mu sync.Mutex
		var failures []string
		var failureTimes []time.Time
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var killedAt atomic.Int64
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				b := newBrowser(c.lb.URL)
				for {
					select {
					case <-stop:
						return
					default:
					}
					var err error
					if w == 0 { // full browser flow, through the lb's round-robin
						var code string
						var ap authParams
						code, ap, err = b.signIn(web.ID, "http://127.0.0.1:9/callback", "alice", pw, nil)
						if err == nil {
							var tr tokenResp
							tr, err = postToken(ctx, c.lb.URL, -1, web.ID, web.Secret, exchangeForm(code, ap))
							if err == nil && tr.Status != 200 {
								err = fmt.Errorf("exchange %d %s", tr.Status, tr.Error)
							}
						}
					} else {
						var tr tokenResp
						tr, err = postToken(ctx, c.lb.URL, -1, m2m.ID, m2m.Secret, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example/scale"}})
						if err == nil && tr.Status != 200 {
							err = fmt.Errorf("client_credentials %d %s", tr.Status, tr.Error)
						}
					}
					if err != nil {
						failed.Add(1)
						mu.Lock()
						failures = append(failures, fmt.Sprintf("%s: %v", time.Now().Format("15:04:05.000"), err))
						failureTimes = append(failureTimes, time.Now())
						mu.Unlock()
					} else {
						ok.Add(1)
					}
				}
			}(w)
		}
		time.Sleep(1500 * time.Millisecond)
		killedAt.Store(time.Now().UnixNano())
		c.replicas[1].kill()
		okAtKill := ok.Load()
		time.Sleep(3 * time.Second)
		okWhileDown := ok.Load() - okAtKill
		c.lb.snapshot()
		c.replicas[1].start()
		c.replicas[1].waitReady(t)
		time.Sleep(2 * time.Second)
		close(stop)
		wg.Wait()
		served := c.lb.snapshot()
		t.Logf("ok=%d failed=%d (ok while B was down: %d); lb skipped %d dial failures; after restart: %v",
			ok.Load(), failed.Load(), okWhileDown, c.lb.skipped.Load(), served)
		if okWhileDown == 0 {
			t.Errorf("no request succeeded while B was down")
		}
		// Requests in flight on B when it died, or sent on a pooled
		// keep-alive connection to B just after, may fail (the lb retries
		// only failed dials); nothing later than 1 s after the kill may.
		mu.Lock()
		for _, ft := range failureTimes {
			if d := ft.Sub(time.Unix(0, killedAt.Load())); d < 0 || d > time.Second {
				t.Errorf("a request failed %s after the kill, outside the kill itself: %v", d, failures)
			}
		}
		mu.Unlock()
		var onB int
		for _, m := range served {
			onB += m[1]
		}
		if onB == 0 {
			t.Errorf("restarted replica B served nothing after rejoining: %v", served)
		}
		// And a full flow works on the restarted replica alone.
		b := newBrowser(c.lb.URL)
		b.pin(1)
		code, ap, err := b.signIn(web.ID, "http://127.0.0.1:9/callback", "alice", pw, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tr, err := postToken(ctx, c.lb.URL, 0, web.ID, web.Secret, exchangeForm(code, ap)); err != nil || tr.Status != 200 {
			t.Fatalf("code from restarted B on A: %v %+v", err, tr)
		}
	})
}

// checkAlternation asserts that a flow step was served by both replicas and
// that consecutive requests of the step went to different replicas.
func checkAlternation(t *testing.T, step string, order []served) {
	t.Helper()
	seen := map[int]int{}
	same := 0
	var desc []string
	for i, s := range order {
		seen[s.backend]++
		desc = append(desc, fmt.Sprintf("%s→%c", s.class, 'A'+s.backend))
		if i > 0 && order[i-1].backend == s.backend {
			same++
		}
	}
	t.Logf("%s: %d requests: %s", step, len(order), strings.Join(desc, ", "))
	if seen[0] == 0 || seen[1] == 0 {
		t.Errorf("%s: not served by both replicas: %v", step, seen)
	}
	if same > 0 {
		t.Errorf("%s: %d consecutive requests hit the same replica", step, same)
	}
}
