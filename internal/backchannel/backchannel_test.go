package backchannel_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sesameauth/sesame/internal/backchannel"
	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
	"github.com/sesameauth/sesame/internal/testkit"
)

// receiver is an app's logout URI answering with status (200 by default)
// and recording the tokens.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	tokens []string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{status: http.StatusOK}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if req.URL.Path == "/elsewhere" {
			t.Errorf("the worker followed a redirect (%s)", req.Method)
			return
		}
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("%s with Content-Type %q", req.Method, req.Header.Get("Content-Type"))
		}
		r.tokens = append(r.tokens, req.PostFormValue("logout_token"))
		if r.status == http.StatusFound {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(r.status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) set(status int) { r.mu.Lock(); r.status = status; r.mu.Unlock() }
func (r *receiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.tokens...)
}

// fixture is a real SQLite store and key manager, an app, and a worker
// on a clock the test moves.
type fixture struct {
	st  *sqlstore.Store
	km  *keys.Manager
	w   *backchannel.Worker
	now time.Time
	app store.Client
}

func newFixture(t *testing.T, uri string) *fixture {
	t.Helper()
	ctx := t.Context()
	st := sqlitetest.Open(t)
	f := &fixture{st: st, now: time.Now()}
	f.km = keys.New(st, []byte("0123456789abcdef0123456789abcdef"), keys.Options{Now: func() time.Time { return f.now }})
	if err := f.km.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	f.app = store.Client{ID: "app-1", Name: "RP", Type: store.AppTraditional, CreatedAt: f.now, BackChannelLogoutURI: uri}
	if err := st.CreateClient(ctx, f.app); err != nil {
		t.Fatal(err)
	}
	f.w = backchannel.New(st, st, f.km, "https://id.example/oidc", slog.New(slog.NewTextHandler(io.Discard, nil)),
		backchannel.Options{MaxAttempts: 3, Now: func() time.Time { return f.now }})
	return f
}

// endSession signs user u in to the app in a session and ends it, which
// queues one delivery.
func (f *fixture) endSession(t *testing.T, u, sid string) {
	t.Helper()
	ctx := t.Context()
	x := store.Session{IDHash: []byte(sid + "-hash-padded-to-be-long-enough!!"), SID: sid, UserID: u, AuthTime: f.now, CreatedAt: f.now, ExpiresAt: f.now.Add(time.Hour)}
	if err := f.st.CreateSession(ctx, x); err != nil {
		t.Fatal(err)
	}
	g := store.Grant{ID: "g-" + sid, ClientID: f.app.ID, UserID: u, SID: sid, Scopes: []string{"openid"}, AuthTime: f.now, CreatedAt: f.now, ExpiresAt: f.now.Add(time.Hour)}
	if err := f.st.CreateGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := f.st.DeleteSession(ctx, x.IDHash); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) drain(t *testing.T) int {
	t.Helper()
	n, err := f.w.Drain(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) queued(t *testing.T) int {
	t.Helper()
	n, err := f.st.CountLogoutDeliveries(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func counts(w *backchannel.Worker) [4]uint64 {
	r := &w.Results
	return [4]uint64{r.Delivered.Load(), r.Retried.Load(), r.Failed.Load(), r.Dropped.Load()}
}

// TestDeliver: the token posted verifies with the server's key and holds
// exactly the claims section 2.4 asks for; a 204 counts as delivered.
func TestDeliver(t *testing.T) {
	rcv := newReceiver(t)
	rcv.set(http.StatusNoContent)
	f := newFixture(t, rcv.URL)
	f.now = time.Now() // the store stamps the queue with the real clock
	f.endSession(t, "user-1", "sid-1")
	f.now = time.Now().Add(time.Second)
	if n := f.drain(t); n != 1 {
		t.Fatalf("attempted %d, want 1", n)
	}
	if c := counts(f.w); c != [4]uint64{1, 0, 0, 0} || f.queued(t) != 0 {
		t.Fatalf("results %v, %d queued", c, f.queued(t))
	}
	toks := rcv.got()
	if len(toks) != 1 {
		t.Fatalf("%d tokens", len(toks))
	}
	jws, err := jose.ParseSignedCompact(toks[0], []jose.SignatureAlgorithm{jose.ES384})
	if err != nil {
		t.Fatal(err)
	}
	if typ := jws.Signatures[0].Header.ExtraHeaders["typ"]; typ != "logout+jwt" {
		t.Errorf("typ %v", typ)
	}
	payload, err := f.km.Verify(t.Context(), toks[0])
	if err != nil {
		t.Fatalf("the token does not verify with the server's keys: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(payload, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"iss", "sub", "aud", "iat", "exp", "jti", "sid", "events"} {
		if got[k] == nil {
			t.Errorf("claim %s missing: %v", k, got)
		}
		delete(got, k)
	}
	if len(got) != 0 {
		t.Errorf("unexpected claims: %v", got)
	}
}

// TestRetryThenGiveUp: a failing app is retried with growing waits, and
// given up after MaxAttempts; a redirect is a failure, not followed.
func TestRetryThenGiveUp(t *testing.T) {
	rcv := newReceiver(t)
	rcv.set(http.StatusServiceUnavailable)
	f := newFixture(t, rcv.URL)
	f.endSession(t, "user-1", "sid-1")
	f.now = time.Now().Add(time.Second)
	f.drain(t)
	if c := counts(f.w); c != [4]uint64{0, 1, 0, 0} || f.queued(t) != 1 {
		t.Fatalf("after one failure: results %v, %d queued", c, f.queued(t))
	}
	// Not due before its backoff.
	f.now = f.now.Add(backchannel.Backoff(1) - 100*time.Millisecond)
	if n := f.drain(t); n != 0 {
		t.Fatalf("retried %d before the backoff ran out", n)
	}
	rcv.set(http.StatusFound) // a redirect is not a delivery
	f.now = f.now.Add(time.Second)
	f.drain(t)
	f.now = f.now.Add(backchannel.Backoff(2) + time.Second)
	f.drain(t)
	if c := counts(f.w); c != [4]uint64{0, 2, 1, 0} || f.queued(t) != 0 {
		t.Fatalf("after three failures: results %v, %d queued", c, f.queued(t))
	}
	if n := len(rcv.got()); n != 3 {
		t.Errorf("%d posts, want 3", n)
	}
}

// TestDropWhenAppGone: an app deleted, or whose URI was removed, since
// the session ended gets nothing, and its delivery leaves the queue.
func TestDropWhenAppGone(t *testing.T) {
	rcv := newReceiver(t)
	f := newFixture(t, rcv.URL)
	f.endSession(t, "user-1", "sid-1")
	if _, err := f.st.UpdateClient(t.Context(), f.app.ID, func(c store.Client) (store.Client, error) {
		c.BackChannelLogoutURI = ""
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.now = time.Now().Add(time.Second)
	f.drain(t)
	if c := counts(f.w); c != [4]uint64{0, 0, 0, 1} || f.queued(t) != 0 || len(rcv.got()) != 0 {
		t.Fatalf("results %v, %d queued, %d posts", c, f.queued(t), len(rcv.got()))
	}
}

// TestQueueBounded: beyond MaxQueued the oldest deliveries are dropped,
// and counted.
func TestQueueBounded(t *testing.T) {
	rcv := newReceiver(t)
	f := newFixture(t, rcv.URL)
	f.w.MaxQueued = 2
	for _, sid := range []string{"a", "b", "c", "d"} {
		f.endSession(t, "user-1", sid)
		time.Sleep(2 * time.Millisecond)
	}
	f.now = time.Now().Add(time.Second)
	if err := f.w.Trim(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	if c := counts(f.w); c != [4]uint64{2, 0, 0, 2} {
		t.Fatalf("results %v, want 2 delivered and 2 dropped", c)
	}
	for _, tok := range rcv.got() {
		payload, err := f.km.Verify(t.Context(), tok)
		if err != nil || !(strings.Contains(string(payload), `"sid":"c"`) || strings.Contains(string(payload), `"sid":"d"`)) {
			t.Errorf("delivered %s (%v), want the newest two", payload, err)
		}
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}
	for i, w := range want {
		if got := backchannel.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := backchannel.Backoff(50); got != 10*time.Minute {
		t.Errorf("Backoff(50) = %v, want the 10 min cap", got)
	}
}

// flakyQueue is the store with a switch that makes the queue unavailable.
type flakyQueue struct {
	backchannel.Queue
	down atomic.Bool
}

var errDown = errors.New("database unavailable")

func (q *flakyQueue) LogoutDeliveriesDue(ctx context.Context, now time.Time) (bool, error) {
	if q.down.Load() {
		return false, errDown
	}
	return q.Queue.LogoutDeliveriesDue(ctx, now)
}

func (q *flakyQueue) ClaimLogoutDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.LogoutDelivery, error) {
	if q.down.Load() {
		return nil, errDown
	}
	return q.Queue.ClaimLogoutDeliveries(ctx, now, lease, limit)
}

// TestRunOutage: a database outage is logged once when it starts and once
// when it ends, not at every poll, and deliveries resume after it.
func TestRunOutage(t *testing.T) {
	rcv := newReceiver(t)
	f := newFixture(t, rcv.URL)
	var logs testkit.LogBuffer
	q := &flakyQueue{Queue: f.st}
	q.down.Store(true)
	w := backchannel.New(q, f.st, f.km, "https://id.example/oidc", slog.New(slog.NewTextHandler(&logs, nil)),
		backchannel.Options{Interval: 2 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	time.Sleep(100 * time.Millisecond) // dozens of polls
	f.endSession(t, "user-1", "sid-1")
	q.down.Store(false)
	for deadline := time.Now().Add(10 * time.Second); len(rcv.got()) == 0 || !strings.Contains(logs.String(), "available again"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no delivery and recovery after the outage (%d posts):\n%s", len(rcv.got()), logs.String())
		}
	}
	time.Sleep(20 * time.Millisecond) // more polls, which must log nothing
	cancel()
	<-done
	out := logs.String()
	if n := strings.Count(out, "queue unavailable"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "available again"); n != 1 {
		t.Errorf("the recovery was logged %d times, want once:\n%s", n, out)
	}
}

// TestShutdownReleasesTheLease: a delivery in flight when the server stops
// is due again at once, not after its lease runs out, so the next replica
// (or the restarted server) sends it without waiting.
func TestShutdownReleasesTheLease(t *testing.T) {
	inFlight := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server notices the client leave
		close(inFlight)
		select { // answers only when the worker gives up
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer slow.Close()
	f := newFixture(t, slow.URL)
	f.endSession(t, "user-1", "sid-1")
	f.now = time.Now().Add(time.Second)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); f.w.Drain(ctx) }()
	<-inFlight
	cancel()
	<-done
	ds, err := f.st.ClaimLogoutDeliveries(t.Context(), f.now.Add(time.Second), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Attempts != 2 || !strings.Contains(ds[0].LastError, "interrupted") {
		t.Fatalf("after the interrupted attempt: %+v, want the delivery due again at once", ds)
	}
}
