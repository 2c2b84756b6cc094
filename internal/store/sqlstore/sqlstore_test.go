package sqlstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// withTimeout fails the test if fn has not returned after d.
func withTimeout(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("deadlock: not done after %v", d)
	}
}

// A callback that runs inside a transaction may read through the store:
// on SQLite the read goes to the reader pool, not the busy writer.
func TestCallbackMayRead(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *Store{
		"sqlite":   func(t *testing.T) *Store { return openSQLiteT(t, t.TempDir()) },
		"postgres": func(t *testing.T) *Store { return openPostgresT(t, pgSchema(t)) },
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			ctx := t.Context()
			n := time.Now()
			g := store.Grant{ID: "g", ClientID: "c", UserID: "u", CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
			must(t, s.CreateUser(ctx, store.User{ID: "u", Username: "alice", CreatedAt: n}))
			must(t, s.CreateGrant(ctx, g))
			code := store.AuthCode{Hash: benchHash(), GrantID: "g", ClientID: "c", UserID: "u", CreatedAt: n, ExpiresAt: n.Add(time.Minute)}
			must(t, s.CreateCode(ctx, code))
			withTimeout(t, 20*time.Second, func() {
				_, err := s.RedeemCode(ctx, code.Hash, n, func(c store.AuthCode) (store.CodeIssue, error) {
					u, err := s.GetUser(ctx, c.UserID)
					if err != nil || u.Username != "alice" {
						return store.CodeIssue{}, errors.Join(errors.New("GetUser in callback"), err)
					}
					return store.CodeIssue{AccessToken: ptr(benchAccess(g, n))}, nil
				})
				if err != nil {
					t.Error(err)
				}
			})
		})
	}
}

// Two stores on one SQLite file (a server and a `sesame migrate`, or two
// processes) write concurrently without SQLITE_BUSY reaching callers.
func TestSQLiteTwoWriters(t *testing.T) {
	dir := t.TempDir()
	a, b := openSQLiteT(t, dir), openSQLiteT(t, dir)
	ctx := t.Context()
	n := time.Now()
	g := store.Grant{ID: "g", ClientID: "c"}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 20 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for range 5 {
				if err := s.CreateAccessToken(ctx, benchAccess(g, n)); err != nil {
					errs <- err
				}
				if _, _, err := s.ReserveAttempt(ctx, "k", 1000, time.Hour, n); err != nil {
					errs <- err
				}
			}
		})
	}
	withTimeout(t, 60*time.Second, wg.Wait)
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	// 100 reservations were taken: slot 101 is free, slot 102 is not.
	ok, _, err := a.ReserveAttempt(ctx, "k", 101, time.Hour, n)
	must(t, err)
	if !ok {
		t.Fatal("slot 101 refused: more than 100 reservations were counted")
	}
	ok, _, err = a.ReserveAttempt(ctx, "k", 101, time.Hour, n)
	must(t, err)
	if ok {
		t.Fatal("slot 102 granted with limit 101: reservations were lost")
	}
}

func TestContextCancelled(t *testing.T) {
	s := openSQLiteT(t, t.TempDir())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.GetClient(ctx, "x")
	if !errors.Is(err, context.Canceled) || errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("cancelled ctx: %v, want context.Canceled and not ErrUnavailable", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
