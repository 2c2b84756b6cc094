package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/backchannel"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
	sesame "github.com/sesameauth/sesame/sdk"
)

// fastLogouts polls the logout queue every 20 ms instead of every second.
func fastLogouts(_ *config.Config, o *app.Options) {
	o.BackChannel = backchannel.Options{Interval: 20 * time.Millisecond}
}

// rpApp is an app built with the Go SDK, with server-side sessions and
// its back-channel logout handler mounted: the receiver of the logout
// tokens, as an app would run it.
type rpApp struct {
	ID     string
	URL    string
	client *sesame.Client
	store  *sesame.MemoryStore
	// fail, while positive, makes the logout URI answer 500 (and counts
	// down); hang, when set, holds every answer until it is closed; blind
	// makes it answer 200 without the SDK's checks; tokens records every
	// logout token posted.
	mu     sync.Mutex
	fail   int
	hang   chan struct{}
	blind  bool
	tokens []string
}

// newRPApp registers an app with Sesame (its back-channel logout URI,
// and the ID token algorithm alg, "" for the default) and serves it.
func newRPApp(t *testing.T, e *env, name, alg string) *rpApp {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	rp := &rpApp{ID: directory.NewAppID(), URL: "http://" + ts.Listener.Addr().String()}
	secret := directory.NewSecret()
	c := store.Client{ID: rp.ID, Name: name, Type: store.AppTraditional, RedirectURIs: []string{rp.URL + "/callback"},
		PostLogoutRedirectURIs: []string{rp.URL}, CreatedAt: time.Now(), IDTokenAlg: alg,
		BackChannelLogoutURI: rp.URL + "/backchannel-logout", BackChannelLogoutSessionRequired: true,
		Secrets: []store.ClientSecret{{Name: store.SecretDefault, Hash: provider.HashSecret(secret)}}}
	if err := e.Store.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	var err error
	if rp.store, err = sesame.NewMemoryStore(name, false, 0); err != nil {
		t.Fatal(err)
	}
	if rp.client, err = sesame.New(sesame.Config{Endpoint: e.URL, AppID: rp.ID, AppSecret: secret, BaseURL: rp.URL, Store: rp.store}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		x, err := rp.client.GetContext(w, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, x.IsAuthenticated)
	})
	mux.Handle("POST /sign-in", rp.client.SignInHandler())
	mux.Handle("GET /callback", rp.client.CallbackHandler())
	mux.Handle("POST /sign-out", rp.client.SignOutHandler())
	logout := rp.client.BackChannelLogoutHandler()
	mux.HandleFunc("POST /backchannel-logout", func(w http.ResponseWriter, r *http.Request) {
		rp.mu.Lock()
		rp.tokens = append(rp.tokens, r.PostFormValue("logout_token"))
		failing, blind, hang := rp.fail > 0, rp.blind, rp.hang
		rp.fail--
		rp.mu.Unlock()
		if hang != nil {
			select {
			case <-hang:
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case failing:
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		case blind:
			return
		}
		logout.ServeHTTP(w, r)
	})
	ts.Config.Handler = mux
	ts.Start()
	t.Cleanup(ts.Close)
	return rp
}

// appSide is the browser b visiting an app: same cookies, no redirects
// followed.
func appSide(b *browser) *http.Client {
	return &http.Client{Jar: b.Client.Jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn signs browser b in to the app through Sesame: with the password
// when Sesame asks for it, by SSO otherwise.
func (rp *rpApp) signIn(t *testing.T, b *browser, user, pw string) {
	t.Helper()
	resp, err := appSide(b).PostForm(rp.URL+"/sign-in", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp = b.get(t, resp.Header.Get("Location"))
	if strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
		resp = b.login(t, resp, user, pw)
	}
	cb := callback(t, resp, rp.URL+"/callback")
	resp, err = appSide(b).Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !rp.signedIn(t, b) {
		t.Fatalf("%s: sign-in did not complete (callback answered %d)", rp.ID, resp.StatusCode)
	}
}

// signedIn asks the app whether browser b has a session there.
func (rp *rpApp) signedIn(t *testing.T, b *browser) bool {
	t.Helper()
	resp, err := appSide(b).Get(rp.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body) == "true"
}

// received returns the logout tokens the app was posted so far.
func (rp *rpApp) received() []string {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return append([]string(nil), rp.tokens...)
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("not after 10 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// queueEmpty reports whether no logout delivery is queued.
func queueEmpty(t *testing.T, e *env) bool {
	n, err := e.Store.CountLogoutDeliveries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n == 0
}

// TestBackChannelLogoutOnSignOut (docs/design.md, "Back-channel logout"):
// a user signed in to two apps by SSO signs out of one; Sesame posts a
// logout token to each, and the other app's SDK handler ends its session
// without the browser. The token is what the specification asks for,
// signed with the app's ID token algorithm.
func TestBackChannelLogoutOnSignOut(t *testing.T) { backChannelOnSignOut(t, newEnv(t, fastLogouts)) }

func TestBackChannelLogoutOnSignOutPostgres(t *testing.T) {
	backChannelOnSignOut(t, newEnv(t, onPostgres(t), fastLogouts))
}

func backChannelOnSignOut(t *testing.T, e *env) {
	u := e.user(t, "alice", "correct horse battery")
	a := newRPApp(t, e, "rpA", "")
	b := newRPApp(t, e, "rpB", "RS256")
	plain, _ := e.app(t, store.AppTraditional, []string{"https://plain.example/cb"}, nil) // no back-channel URI
	br := e.browser(t)
	a.signIn(t, br, "alice", "correct horse battery")
	b.signIn(t, br, "alice", "correct horse battery") // SSO: no password asked
	e.flow(t, br, plain, "https://plain.example/cb", false, "", "", nil)
	if len(a.received())+len(b.received()) != 0 {
		t.Fatal("a logout token was sent before anyone signed out")
	}

	// The user signs out of app A, which sends the browser to Sesame's
	// end-session endpoint; Sesame sends it back to A.
	resp, err := appSide(br).PostForm(a.URL+"/sign-out", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp = br.get(t, resp.Header.Get("Location"))
	callback(t, resp, a.URL)

	eventually(t, "app B's session ended by its logout token", func() bool { return !b.signedIn(t, br) })
	eventually(t, "app A got its logout token", func() bool { return len(a.received()) == 1 })
	eventually(t, "the queue drained", func() bool { return queueEmpty(t, e) })
	if a.signedIn(t, br) {
		t.Error("app A still has a session after signing out")
	}
	if got := b.received(); len(got) != 1 {
		t.Fatalf("app B got %d logout tokens, want 1", len(got))
	}

	// What app B got: a logout+jwt signed with RS256, its registered
	// algorithm, naming the user and the session it signed in with.
	raw := b.received()[0]
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES384})
	if err != nil {
		t.Fatal(err)
	}
	if h := jws.Signatures[0].Header; h.Algorithm != "RS256" || h.ExtraHeaders["typ"] != "logout+jwt" {
		t.Errorf("header alg %q typ %v, want RS256 logout+jwt", h.Algorithm, h.ExtraHeaders["typ"])
	}
	c := unsafeClaims(t, raw, jose.RS256)
	sessions, err := e.Store.ListUserSessions(context.Background(), u.ID, time.Now())
	if err != nil || len(sessions) != 0 {
		t.Fatalf("sessions left after sign-out: %+v %v", sessions, err)
	}
	events, _ := c["events"].(map[string]any)
	if c["iss"] != e.Issuer || c["aud"] != b.ID || c["sub"] != u.ID || c["sid"] == nil || c["sid"] == "" ||
		events == nil || events[backchannel.Event] == nil || c["nonce"] != nil || c["jti"] == nil {
		t.Errorf("logout token claims: %v", c)
	}
	if iat, exp := c["iat"].(float64), c["exp"].(float64); exp-iat != backchannel.TokenTTL.Seconds() {
		t.Errorf("logout token lives %v s, want %v", exp-iat, backchannel.TokenTTL.Seconds())
	}
	// App A's token: the server's default algorithm, the same session.
	ca := unsafeClaims(t, a.received()[0], jose.ES384)
	if ca["aud"] != a.ID || ca["sid"] != c["sid"] {
		t.Errorf("app A's logout token: %v", ca)
	}

	// The metrics count both deliveries and an empty queue.
	rec := httptest.NewRecorder()
	e.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{`sesame_backchannel_logout_total{result="delivered"} 2`,
		`sesame_backchannel_logout_total{result="failed"} 0`, "sesame_backchannel_logout_queued 0"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestBackChannelLogoutSlowApps (catalogue SS-05): of two apps, one
// answers its first logout token with a 500 and one hangs. The user's
// sign-out does not wait for either; each gets its token; the failed one
// is retried and delivered while the other still hangs, which then ends
// its session once it answers.
func TestBackChannelLogoutSlowApps(t *testing.T) {
	e := newEnv(t, fastLogouts)
	e.user(t, "dora", "correct horse battery")
	failing := newRPApp(t, e, "rpFail", "")
	hanging := newRPApp(t, e, "rpHang", "")
	br := e.browser(t)
	failing.signIn(t, br, "dora", "correct horse battery")
	hanging.signIn(t, br, "dora", "correct horse battery")
	release := make(chan struct{})
	failing.mu.Lock()
	failing.fail = 1
	failing.mu.Unlock()
	hanging.mu.Lock()
	hanging.hang = release
	hanging.mu.Unlock()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	// The user signs out at Sesame through the failing app, and is back on
	// it whatever the apps' logout URIs do.
	resp, err := appSide(br).PostForm(failing.URL+"/sign-out", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback(t, br.get(t, resp.Header.Get("Location")), failing.URL)

	eventually(t, "the hanging app got its token", func() bool { return len(hanging.received()) == 1 })
	eventually(t, "the failing app got its token again and took it", func() bool { return len(failing.received()) == 2 && queuedFor(t, e, failing.ID) == 0 })
	if len(hanging.received()) != 1 || queuedFor(t, e, hanging.ID) != 1 {
		t.Fatalf("the hanging app answered before it was released (%d posts)", len(hanging.received()))
	}
	for i, raw := range append(failing.received(), hanging.received()...) {
		c := unsafeClaims(t, raw, jose.ES384)
		events, _ := c["events"].(map[string]any)
		if c["iss"] != e.Issuer || c["sid"] == nil || c["jti"] == nil || c["iat"] == nil || events[backchannel.Event] == nil || c["nonce"] != nil {
			t.Errorf("logout token %d: %v", i, c)
		}
	}
	close(release)
	eventually(t, "the hanging app ended its session once released", func() bool { return !hanging.signedIn(t, br) })
	eventually(t, "the queue drained", func() bool { return queueEmpty(t, e) })
}

// queuedFor counts the deliveries queued for one app.
func queuedFor(t *testing.T, e *env, clientID string) int {
	t.Helper()
	var n int
	if err := openSQLiteFile(t, e.DataDir).QueryRow(`SELECT count(*) FROM logout_deliveries WHERE client_id = ?`, clientID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBackChannelLogoutAdminAndSuspend: an administrator ending a user's
// sessions, and suspending a user through the Management API, each reach
// every app the sessions signed in to.
func TestBackChannelLogoutAdminAndSuspend(t *testing.T) {
	m := newMgmtWith(t, []envOption{fastLogouts}, nil)
	u := m.user(t, "bob", "correct horse battery")
	a := newRPApp(t, m.env, "rpA", "")
	br := m.browser(t)
	a.signIn(t, br, "bob", "correct horse battery")

	if err := (directory.Users{Store: m.Store}).EndSessions(context.Background(), u.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the app's session ended after the admin ended the user's sessions", func() bool { return !a.signedIn(t, br) })

	a.signIn(t, br, "bob", "correct horse battery")
	tok := m.token(t, m.appID, m.secret, "https://default.logto.app/api", "all")
	if st, _, body := m.call(t, tok, http.MethodPatch, "/api/users/"+u.ID+"/is-suspended", map[string]any{"isSuspended": true}); st != 200 {
		t.Fatalf("suspend: %d %s", st, body)
	}
	eventually(t, "the app's session ended after the user was suspended", func() bool { return !a.signedIn(t, br) })
	if n := len(a.received()); n != 2 {
		t.Errorf("the app got %d logout tokens, want 2", n)
	}
}

// TestBackChannelLogoutRetriesAcrossRestart: an app whose logout URI
// fails gets the token again with backoff, also from a server started
// after the one that queued it stopped, since the queue is in the
// database.
func TestBackChannelLogoutRetriesAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// withConsoleMaster: the same master secret after the restart.
	e := newEnvAt(t, dir, quiet, nil, fastLogouts, withConsoleMaster)
	e.user(t, "carol", "correct horse battery")
	a := newRPApp(t, e, "rpA", "")
	br := e.browser(t)
	a.signIn(t, br, "carol", "correct horse battery")
	a.mu.Lock()
	a.fail = 1 << 30 // down until told otherwise
	a.mu.Unlock()
	resp, _ := appSide(br).PostForm(a.URL+"/sign-out", nil)
	resp.Body.Close()
	// Signing out at Sesame only (the browser does not come back to A).
	sesameSide := br.get(t, resp.Header.Get("Location"))
	callback(t, sesameSide, a.URL)
	eventually(t, "a first, failed attempt", func() bool { return len(a.received()) >= 1 })
	if err := e.Server.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if queueEmpty(t, e) {
		t.Fatal("a failed delivery left the queue")
	}
	// The restarted server listens elsewhere, so it is another issuer to
	// the app's SDK: the app now takes any token, which is all this test
	// is about.
	a.mu.Lock()
	a.fail, a.blind = 0, true
	a.mu.Unlock()

	e2 := newEnvAt(t, dir, quiet, nil, fastLogouts, withConsoleMaster)
	// The first retry waits backchannel.Backoff(1) = 2 s.
	eventually(t, "delivered by the restarted server", func() bool { return queueEmpty(t, e2) })
	if n := len(a.received()); n < 2 {
		t.Errorf("the app got %d posts, want a failed one and a delivered one", n)
	}
}

// TestBackChannelLogoutReplicas: three replicas on one PostgreSQL
// database, each running its delivery worker, share one queue: every
// logout token owed is posted exactly once, whichever replica sends it.
func TestBackChannelLogoutReplicas(t *testing.T) {
	e := newEnv(t, onPostgres(t), fastLogouts)
	e.replica(t, fastLogouts)
	e.replica(t, fastLogouts)
	ctx := context.Background()
	rp := newRPApp(t, e, "rpA", "")
	rp.mu.Lock()
	rp.blind = true // counts what arrives; the SDK's checks are tested above
	rp.mu.Unlock()
	u := e.user(t, "erin", "correct horse battery")
	const sessions = 40
	now := time.Now()
	for i := range sessions {
		x := store.Session{IDHash: []byte(fmt.Sprintf("replica-test-session-%02d-padding!!", i)), SID: fmt.Sprintf("sid-%02d", i),
			UserID: u.ID, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := e.Store.CreateSession(ctx, x); err != nil {
			t.Fatal(err)
		}
		g := store.Grant{ID: fmt.Sprintf("grant-%02d", i), ClientID: rp.ID, UserID: u.ID, SID: x.SID, Scopes: []string{"openid"},
			AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := e.Store.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	if err := (directory.Users{Store: e.Store}).EndSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "every delivery made", func() bool { return queueEmpty(t, e) && len(rp.received()) >= sessions })
	time.Sleep(100 * time.Millisecond) // a duplicate would arrive now
	perSID := map[any]int{}
	for _, raw := range rp.received() {
		perSID[unsafeClaims(t, raw, jose.ES384)["sid"]]++
	}
	if len(perSID) != sessions {
		t.Errorf("tokens for %d sessions, want %d", len(perSID), sessions)
	}
	for sid, n := range perSID {
		if n != 1 {
			t.Errorf("session %v: %d logout tokens, want exactly 1", sid, n)
		}
	}
}
