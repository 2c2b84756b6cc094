package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// race starts n goroutines that wait on one barrier, then run fn(i), and
// waits for all of them under the deadlock watchdog. It returns the errors.
func race(t *testing.T, n int, fn func(i int) error) []error {
	t.Helper()
	errs := make([]error, n)
	watchdog(t, func() {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = fn(i)
			})
		}
		close(start)
		wg.Wait()
	})
	return errs
}

// gate holds callers until n have arrived or d has passed since each
// arrived. Placed inside a store callback it widens the race window: on a
// backend that runs callbacks concurrently every racer has read its row
// before any of them writes; on one that serialises writers (SQLite) the
// first caller just waits d.
type gate struct {
	n       int32
	d       time.Duration
	arrived atomic.Int32
	open    chan struct{}
}

func newGate(n int, d time.Duration) *gate {
	return &gate{n: int32(n), d: d, open: make(chan struct{})}
}

func (g *gate) wait() {
	if g.arrived.Add(1) == g.n {
		close(g.open)
	}
	select {
	case <-g.open:
	case <-time.After(g.d):
	}
}

// tally counts nil errors and errors matching target; any other error
// fails the test.
func tally(t *testing.T, errs []error, target error) (ok, matched int) {
	t.Helper()
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, target):
			matched++
		default:
			t.Errorf("goroutine %d: unexpected error %v", i, err)
		}
	}
	return ok, matched
}

// raceRefresh has n goroutines use refresh token rt at once, goroutine i
// answering with issue(i); a gate held for d inside the store's callback
// widens the race window. It returns the errors.
func raceRefresh(t *testing.T, s store.Store, rt store.RefreshToken, at time.Time, n int, d time.Duration,
	issue func(i int) store.RefreshIssue) []error {
	t.Helper()
	gt := newGate(n, d)
	return race(t, n, func(i int) error {
		ri := issue(i)
		_, err := s.UseRefreshToken(t.Context(), rt.Hash, at, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
			gt.wait()
			return ri, nil
		})
		return err
	})
}

func testConcurrentRedeem(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	code := f.code(n)
	noErr(t, "CreateCode", s.CreateCode(ctx, code))
	const N = 50
	var calls atomic.Int32
	ats := make([]store.AccessToken, N)
	errs := race(t, N, func(i int) error {
		ats[i] = f.access(n)
		_, err := s.RedeemCode(ctx, code.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
			calls.Add(1)
			return store.CodeIssue{AccessToken: &ats[i]}, nil
		})
		return err
	})
	ok, replayed := tally(t, errs, store.ErrReplayed)
	if ok != 1 || replayed != N-1 {
		t.Fatalf("%d goroutines redeemed one code: %d succeeded, %d replayed; want 1 and %d", N, ok, replayed, N-1)
	}
	if c := calls.Load(); c != 1 {
		t.Fatalf("fn ran %d times, want 1", c)
	}
	g, err := s.GetGrant(ctx, f.grant.ID)
	noErr(t, "GetGrant", err)
	if g.RevokedAt.IsZero() {
		t.Fatal("grant not revoked after concurrent replays")
	}
	for i, err := range errs {
		if err == nil {
			_, err := s.GetAccessToken(ctx, ats[i].Hash, n)
			wantErr(t, "winner's access token after replay revoked the grant", err, store.ErrNotFound)
		}
	}
}

func testConcurrentRotate(t *testing.T, s store.Store) {
	ctx := t.Context()
	f, n, rt := redeemedFixture(t, s)
	const N = 20
	next := make([]store.RefreshToken, N)
	errs := raceRefresh(t, s, rt, n, N, 200*time.Millisecond, func(i int) store.RefreshIssue {
		next[i] = f.refresh(n)
		return store.RefreshIssue{AccessToken: ptr(f.access(n)), Rotate: &next[i]}
	})
	ok, replayed := tally(t, errs, store.ErrReplayed)
	if ok != 1 || replayed != N-1 {
		t.Fatalf("%d concurrent rotations: %d succeeded, %d replayed; want 1 and %d", N, ok, replayed, N-1)
	}
	stored := 0
	for i := range next {
		if _, err := s.GetRefreshToken(ctx, next[i].Hash); err == nil {
			stored++
			if errs[i] != nil {
				t.Errorf("goroutine %d failed (%v) but its rotated token was stored", i, errs[i])
			}
		}
	}
	if stored != 1 {
		t.Fatalf("%d rotated-in tokens stored, want 1", stored)
	}
	old, err := s.GetRefreshToken(ctx, rt.Hash)
	noErr(t, "GetRefreshToken", err)
	if old.ConsumedAt.IsZero() {
		t.Fatal("rotated token not consumed")
	}
}

func testConcurrentRefreshNoRotate(t *testing.T, s store.Store) {
	ctx := t.Context()
	f, n, rt := redeemedFixture(t, s)
	const N = 20
	ats := make([]store.AccessToken, N)
	errs := raceRefresh(t, s, rt, n, N, 50*time.Millisecond, func(i int) store.RefreshIssue {
		ats[i] = f.access(n)
		return store.RefreshIssue{AccessToken: &ats[i]}
	})
	ok, _ := tally(t, errs, errors.New("none"))
	if ok != N {
		t.Fatalf("%d concurrent refreshes without rotation: %d succeeded, want all", N, ok)
	}
	for i := range ats {
		_, err := s.GetAccessToken(ctx, ats[i].Hash, n)
		noErr(t, fmt.Sprintf("access token %d", i), err)
	}
	g, err := s.GetGrant(ctx, f.grant.ID)
	noErr(t, "GetGrant", err)
	if !g.RevokedAt.IsZero() {
		t.Fatal("grant revoked by concurrent non-rotating refreshes")
	}
}

func testConcurrentReserve(t *testing.T, s store.Store) {
	ctx := t.Context()
	const N, limit = 50, 5
	at := now()
	var refused atomic.Int32
	errs := race(t, N, func(int) error {
		ok, retry, err := s.ReserveAttempt(ctx, "user:x", limit, time.Hour, at)
		if err != nil {
			return err
		}
		if !ok {
			if !retry.After(at) {
				return fmt.Errorf("refused with retryAt %v not after now %v", retry, at)
			}
			refused.Add(1)
		}
		return nil
	})
	ok, _ := tally(t, errs, errors.New("none"))
	if ok != N {
		t.Fatalf("%d of %d ReserveAttempt calls returned without error", ok, N)
	}
	if granted := N - int(refused.Load()); granted != limit {
		t.Fatalf("%d concurrent ReserveAttempt with limit %d: %d granted", N, limit, granted)
	}
}

// testConcurrentRelease: many concurrent releases of a full window give
// back exactly the slots taken, never more (the count stops at zero).
func testConcurrentRelease(t *testing.T, s store.Store) {
	ctx := t.Context()
	const N, limit = 30, 5
	at := now()
	for range limit {
		if ok, _, err := s.ReserveAttempt(ctx, "ip:x", limit, time.Hour, at); err != nil || !ok {
			t.Fatalf("ReserveAttempt under the limit: %v, %v", ok, err)
		}
	}
	errs := race(t, N, func(int) error { return s.ReleaseAttempt(ctx, "ip:x", time.Hour, at) })
	if ok, _ := tally(t, errs, errors.New("none")); ok != N {
		t.Fatalf("%d of %d ReleaseAttempt calls returned without error", ok, N)
	}
	granted := 0
	for range 2 * limit {
		ok, _, err := s.ReserveAttempt(ctx, "ip:x", limit, time.Hour, at)
		noErr(t, "ReserveAttempt", err)
		if ok {
			granted++
		}
	}
	if granted != limit {
		t.Fatalf("after %d concurrent releases of %d slots, %d slots granted, want %d", N, limit, granted, limit)
	}
}

func testConcurrentUpdateUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	noErr(t, "CreateUser", s.CreateUser(ctx, store.User{ID: "u", Username: "counter", CreatedAt: now()}))
	const N = 20
	errs := race(t, N, func(int) error {
		_, err := s.UpdateUser(ctx, "u", func(u store.User) (store.User, error) {
			u.Name += "x"
			return u, nil
		})
		return err
	})
	ok, _ := tally(t, errs, errors.New("none"))
	if ok != N {
		t.Fatalf("%d of %d concurrent UpdateUser succeeded", ok, N)
	}
	u, err := s.GetUser(ctx, "u")
	noErr(t, "GetUser", err)
	if len(u.Name) != N {
		t.Fatalf("after %d concurrent increments Name has %d chars: lost updates", N, len(u.Name))
	}
}

// testConcurrentFirstKey: replicas starting together on an empty database
// create exactly one first key.
func testConcurrentFirstKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	const N = 10
	var created atomic.Int32
	var wg sync.WaitGroup
	for i := range N {
		wg.Go(func() {
			k := store.SigningKey{ID: fmt.Sprintf("first-%d", i), Alg: "ES384", PrivateKey: []byte{1, 2, 3},
				CreatedAt: time.Unix(1_800_000_000, 0), ActivatesAt: time.Unix(1_800_000_000, 0)}
			ok, err := s.CreateFirstKey(ctx, k)
			if err != nil {
				t.Errorf("CreateFirstKey: %v", err)
			}
			if ok {
				created.Add(1)
			}
		})
	}
	wg.Wait()
	keys, err := s.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if created.Load() != 1 || len(keys) != 1 {
		t.Fatalf("%d concurrent CreateFirstKey: %d reported created, %d stored; want 1 and 1", N, created.Load(), len(keys))
	}
	if ok, err := s.CreateFirstKey(ctx, store.SigningKey{ID: "late", Alg: "ES384"}); ok || err != nil {
		t.Fatalf("CreateFirstKey on a non-empty set = %v, %v", ok, err)
	}
}

// testConcurrentRotateReuse: many concurrent refreshes of one token by an
// app with a reuse interval: one rotates, every other one is answered as
// a reuse of its successor, and the grant stays live.
func testConcurrentRotateReuse(t *testing.T, s store.Store) {
	ctx := t.Context()
	f, n, rt := redeemedFixture(t, s)
	const N = 20
	next := make([]store.RefreshToken, N)
	for i := range next {
		next[i] = f.refresh(n)
	}
	gt := newGate(N, 200*time.Millisecond)
	var reuses atomic.Int32
	errs := race(t, N, func(i int) error {
		_, err := s.UseRefreshToken(ctx, rt.Hash, n, func(tok store.RefreshToken, _ store.Grant) (store.RefreshIssue, error) {
			if !tok.ConsumedAt.IsZero() {
				reuses.Add(1)
				return store.RefreshIssue{AccessToken: ptr(f.access(n)), Reuse: true}, nil
			}
			gt.wait()
			return store.RefreshIssue{AccessToken: ptr(f.access(n)), Rotate: &next[i], KeepSuccessor: []byte("sealed")}, nil
		})
		return err
	})
	if ok, _ := tally(t, errs, store.ErrReplayed); ok != N {
		t.Fatalf("%d concurrent refreshes with reuse: %d succeeded, want all (%v)", N, ok, errs)
	}
	stored := 0
	for i := range next {
		if _, err := s.GetRefreshToken(ctx, next[i].Hash); err == nil {
			stored++
		}
	}
	if stored != 1 || int(reuses.Load()) < N-1 {
		t.Fatalf("%d successors stored (want 1), %d reuses (want at least %d)", stored, reuses.Load(), N-1)
	}
	if g, _ := s.GetGrant(ctx, f.grant.ID); !g.RevokedAt.IsZero() {
		t.Fatal("concurrent refreshes with a reuse interval revoked the grant")
	}
}
