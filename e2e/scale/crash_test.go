//go:build e2e

package scale

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestCrashSafety kills -9 a replica under a write load of code
// redemptions (every other code redeemed by two concurrent requests),
// refresh-token rotations and sign-up registrations, 10 times, once on
// SQLite and once on PostgreSQL, and checks after every restart that no
// acknowledged write was lost and no one-time artifact was used twice.
func TestCrashSafety(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { crashRounds(t, false, 10) })
	t.Run("postgres", func(t *testing.T) { crashRounds(t, true, 10) })
}

// ledger is every response the clients got.
type ledger struct {
	mu          sync.Mutex
	codeOK      map[string]int  // code → number of 200s
	codeReplies map[string]int  // code → number of answered requests
	liveAT      map[string]bool // ATs acknowledged on grants we never replayed (must stay active)
	liveRT      map[string]bool // chain heads acknowledged with 200 (must stay active)
	rotatedRT   map[string]bool // RTs a 200 rotated away (must be inactive)
	users       map[string]bool // usernames whose registration was acknowledged
	lost        []string        // violations seen by the workers
	doubles     int
	responses   map[string]int // "kind status" → count
}

func (l *ledger) count(kind string, status int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := fmt.Sprintf("%s %d", kind, status)
	if err != nil {
		k = kind + " error"
	}
	l.responses[k]++
}

func crashRounds(t *testing.T, postgres bool, rounds int) {
	ctx := context.Background()
	var storeArgs []string
	var dataDir string
	if postgres {
		_, dsn := newDatabase(t)
		storeArgs = []string{"--database-url", dsn}
		sesameCLI(t, append([]string{"migrate"}, storeArgs...)...)
	} else {
		dataDir = t.TempDir()
		storeArgs = []string{"--data", dataDir}
	}
	const redirect = "http://127.0.0.1:9/callback"
	web := createApp(t, storeArgs, "traditional", redirect)
	// Refresh chains use a public (SPA) app: Sesame, like Logto, rotates
	// refresh tokens of public clients on every use, and those of
	// confidential clients only late in their life.
	spa := createApp(t, storeArgs, "spa", redirect)
	pw := "correct horse " + randomHex(4)
	createUser(t, storeArgs, "crash", pw)

	r := newReplica(t, "crash-replica", "", storeArgs, nil, "--trusted-proxies", "127.0.0.0/8")
	r.endpoint = r.URL
	base := r.URL
	l := &ledger{codeOK: map[string]int{}, codeReplies: map[string]int{}, liveAT: map[string]bool{}, liveRT: map[string]bool{},
		rotatedRT: map[string]bool{}, users: map[string]bool{}, responses: map[string]int{}}

	// Browsers with an SSO session: codes need no password.
	r.start()
	r.waitReady(t)
	browsers := make([]*browser, 3)
	for i := range browsers {
		browsers[i] = newBrowser(base)
		if _, _, err := browsers[i].signIn(web.ID, redirect, "crash", pw, nil); err != nil {
			t.Fatal(err)
		}
	}
	exchange := func(app appInfo, code string, ap authParams) (tokenResp, error) {
		tr, err := postToken(ctx, base, -1, app.ID, app.Secret, exchangeForm(code, ap))
		l.count("code", tr.Status, err)
		l.mu.Lock()
		if err == nil {
			l.codeReplies[code]++
			if tr.Status == 200 {
				l.codeOK[code]++
			}
		}
		l.mu.Unlock()
		return tr, err
	}
	isConnErr := func(err error) bool {
		var ne net.Error
		return errors.As(err, &ne) || err != nil
	}

	regN := 0
	for round := 1; round <= rounds; round++ {
		if round > 1 {
			r.start()
			r.waitReady(t)
			checkLedger(t, ctx, base, spa, l, round-1)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		// Double redemption workers.
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func(b *browser) {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					code, ap, err := b.signIn(web.ID, redirect, "", "", url.Values{"scope": {"openid offline_access"}})
					if err != nil {
						time.Sleep(20 * time.Millisecond)
						continue
					}
					var inner sync.WaitGroup
					for i := 0; i < 2; i++ {
						inner.Add(1)
						go func() { defer inner.Done(); exchange(web, code, ap) }()
					}
					inner.Wait()
					l.mu.Lock()
					l.doubles++
					l.mu.Unlock()
				}
			}(browsers[w])
		}
		// Single redemption + refresh chain worker.
		wg.Add(1)
		go func(b *browser) {
			defer wg.Done()
			head := ""
			for {
				select {
				case <-stop:
					return
				default:
				}
				if head == "" {
					code, ap, err := b.signIn(spa.ID, redirect, "", "", nil)
					if err != nil {
						time.Sleep(20 * time.Millisecond)
						continue
					}
					tr, err := exchange(spa, code, ap)
					if err == nil && tr.Status == 200 {
						l.mu.Lock()
						l.liveAT[tr.AccessToken] = true
						l.liveRT[tr.RefreshToken] = true
						l.mu.Unlock()
						head = tr.RefreshToken
					}
					continue
				}
				tr, err := postToken(ctx, base, -1, spa.ID, "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {head}})
				l.count("refresh", tr.Status, err)
				switch {
				case err != nil || tr.Status >= 500:
					// Outcome unknown (the kill): abandon the chain without
					// presenting the head again (that would be a replay).
					l.mu.Lock()
					delete(l.liveRT, head)
					l.mu.Unlock()
					head = ""
					if isConnErr(err) {
						time.Sleep(20 * time.Millisecond)
					}
				case tr.Status == 200:
					l.mu.Lock()
					delete(l.liveRT, head)
					l.rotatedRT[head] = true
					l.liveRT[tr.RefreshToken] = true
					l.liveAT[tr.AccessToken] = true
					l.mu.Unlock()
					head = tr.RefreshToken
					if rand.IntN(20) == 0 {
						head = "" // park this chain: its head must survive every later kill
					}
				default:
					l.mu.Lock()
					l.lost = append(l.lost, fmt.Sprintf("round %d: acknowledged refresh token refused: %d %s", round, tr.Status, tr.Error))
					delete(l.liveRT, head)
					l.mu.Unlock()
					head = ""
				}
			}
		}(browsers[2])
		// Registration worker: each sign-up from its own forwarded IP.
		wg.Add(1)
		go func(round int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				regN++
				name := fmt.Sprintf("reg%dx%d", round, i)
				b := newBrowser(base)
				b.xff = fmt.Sprintf("10.%d.%d.%d", regN/65536%256, regN/256%256, regN%256)
				_, _, err := b.register(web.ID, redirect, name, "correct horse battery")
				l.count("register", 0, err)
				if err == nil {
					l.mu.Lock()
					l.users[name] = true
					l.mu.Unlock()
				} else {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}(round)

		time.Sleep(time.Duration(1000+rand.IntN(2000)) * time.Millisecond)
		r.kill()
		close(stop)
		wg.Wait()
		if !postgres {
			integrityCheck(t, filepath.Join(dataDir, "sesame.db"), round)
		}
	}
	r.start()
	r.waitReady(t)
	checkLedger(t, ctx, base, spa, l, rounds)

	// Final checks: every acknowledged registration exists and has a
	// password; rotated tokens fail at the token endpoint too.
	var users []struct {
		Username string `json:"username"`
	}
	if err := json.Unmarshal(sesameCLI(t, append([]string{"users", "list", "--json"}, storeArgs...)...), &users); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, u := range users {
		have[u.Username] = true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	missing := 0
	for u := range l.users {
		if !have[u] {
			missing++
			t.Errorf("registration of %s was acknowledged but the user is gone", u)
		}
	}
	var db *sql.DB
	if postgres {
		db = openDB(t, storeArgs[1])
	} else {
		var err error
		db, err = sql.Open("sqlite", "file:"+filepath.Join(dataDir, "sesame.db")+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
	}
	var orphans int
	if err := db.QueryRow(`SELECT count(*) FROM users WHERE password_hash = ''`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans > 0 {
		t.Errorf("%d users without a password hash", orphans)
	}
	n := 0
	for rt := range l.rotatedRT {
		if n++; n > 5 {
			break
		}
		tr, err := postToken(ctx, base, -1, spa.ID, "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
		if err != nil || tr.Status != 400 {
			t.Errorf("rotated refresh token presented again: %v %d, want 400", err, tr.Status)
		}
	}
	twice := 0
	for code, n := range l.codeOK {
		if n > 1 {
			twice++
			t.Errorf("code %.8s… redeemed %d times", code, n)
		}
	}
	for _, v := range l.lost {
		t.Error(v)
	}
	t.Logf("%d rounds: %d codes (%d redeemed by two concurrent requests), %d redeemed twice; %d access tokens and %d refresh-chain heads checked active, %d rotated refresh tokens checked dead; %d registrations acknowledged, %d users in the database, %d missing; responses: %v",
		rounds, len(l.codeReplies), l.doubles, twice, len(l.liveAT), len(l.liveRT), len(l.rotatedRT), len(l.users), len(users), missing, l.responses)
}

// checkLedger runs after a restart: acknowledged tokens work, rotated ones
// do not, no code has two 200s.
func checkLedger(t *testing.T, ctx context.Context, base string, web appInfo, l *ledger, round int) {
	t.Helper()
	l.mu.Lock()
	ats := keys(l.liveAT)
	rts := keys(l.liveRT)
	rot := keys(l.rotatedRT)
	for code, n := range l.codeOK {
		if n > 1 {
			t.Errorf("after round %d: code %.8s… got %d successful redemptions", round, code, n)
		}
	}
	l.mu.Unlock()
	check := func(kind string, toks []string, want bool) {
		var wrong int
		for _, tok := range toks {
			active, status, err := introspect(ctx, base, -1, web.ID, web.Secret, tok)
			if err != nil || status != 200 {
				t.Fatalf("after round %d: introspection: %v %d", round, err, status)
			}
			if active != want {
				wrong++
			}
		}
		if wrong > 0 {
			t.Errorf("after round %d: %d of %d %s have active=%v, want %v", round, wrong, len(toks), kind, !want, want)
		}
	}
	check("acknowledged access tokens", ats, true)
	check("acknowledged refresh-chain heads", rts, true)
	check("rotated refresh tokens", rot, false)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func integrityCheck(t *testing.T, path string, round int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil {
		t.Fatalf("round %d: integrity_check: %v", round, err)
	}
	if res != "ok" {
		t.Fatalf("round %d: PRAGMA integrity_check = %q", round, res)
	}
}
