package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// logoutFixture is a user, an app with a back-channel logout URI and one
// without, for the queue tests.
type logoutFixture struct {
	user        store.User
	listening   store.Client // has a back-channel logout URI
	deaf        store.Client // has none
	sessionsFor func(clients ...store.Client) store.Session
}

func newLogoutFixture(t *testing.T, s store.Store) logoutFixture {
	t.Helper()
	ctx := t.Context()
	n := now()
	f := logoutFixture{
		user: store.User{ID: id(), Username: "u-" + id(), CreatedAt: n, UpdatedAt: n},
		listening: store.Client{ID: id(), Name: "listening", Type: store.AppTraditional, Secrets: defaultSecret(n),
			RedirectURIs: []string{"https://rp.example/cb"}, CreatedAt: n,
			BackChannelLogoutURI: "https://rp.example/backchannel", BackChannelLogoutSessionRequired: true},
		deaf: store.Client{ID: id(), Name: "deaf", Type: store.AppTraditional, Secrets: defaultSecret(n),
			RedirectURIs: []string{"https://deaf.example/cb"}, CreatedAt: n},
	}
	noErr(t, "CreateUser", s.CreateUser(ctx, f.user))
	noErr(t, "CreateClient listening", s.CreateClient(ctx, f.listening))
	noErr(t, "CreateClient deaf", s.CreateClient(ctx, f.deaf))
	// sessionsFor starts a session of the user with a grant to each client.
	f.sessionsFor = func(clients ...store.Client) store.Session {
		x := store.Session{IDHash: hash(), SID: id(), UserID: f.user.ID, AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
		noErr(t, "CreateSession", s.CreateSession(ctx, x))
		for _, c := range clients {
			g := store.Grant{ID: id(), ClientID: c.ID, UserID: f.user.ID, SID: x.SID, Scopes: []string{"openid"},
				AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
			noErr(t, "CreateGrant", s.CreateGrant(ctx, g))
		}
		return x
	}
	return f
}

func claimAll(t *testing.T, s store.Store, at time.Time) []store.LogoutDelivery {
	t.Helper()
	got, err := s.ClaimLogoutDeliveries(t.Context(), at, time.Minute, 100)
	noErr(t, "ClaimLogoutDeliveries", err)
	return got
}

func due(t *testing.T, s store.Store, at time.Time) bool {
	t.Helper()
	ok, err := s.LogoutDeliveriesDue(t.Context(), at)
	noErr(t, "LogoutDeliveriesDue", err)
	return ok
}

func queued(t *testing.T, s store.Store) int {
	t.Helper()
	n, err := s.CountLogoutDeliveries(t.Context())
	noErr(t, "CountLogoutDeliveries", err)
	return n
}

// testLogoutQueue: ending a session queues one delivery per app with a
// back-channel logout URI that holds a grant from it (revoked grants
// included, other sessions' grants and apps without a URI left out); a
// claim leases it; only the latest claim can reschedule or finish it.
func testLogoutQueue(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newLogoutFixture(t, s)
	got, err := s.GetClient(ctx, f.listening.ID)
	noErr(t, "GetClient", err)
	if got.BackChannelLogoutURI != f.listening.BackChannelLogoutURI || !got.BackChannelLogoutSessionRequired {
		t.Fatalf("back-channel settings did not round-trip: %+v", got)
	}
	got, err = s.UpdateClient(ctx, f.deaf.ID, func(c store.Client) (store.Client, error) {
		c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired = "https://deaf.example/bc", true
		return c, nil
	})
	noErr(t, "UpdateClient", err)
	if got, _ = s.GetClient(ctx, f.deaf.ID); got.BackChannelLogoutURI != "https://deaf.example/bc" || !got.BackChannelLogoutSessionRequired {
		t.Fatalf("UpdateClient did not store the back-channel settings: %+v", got)
	}
	_, err = s.UpdateClient(ctx, f.deaf.ID, func(c store.Client) (store.Client, error) {
		c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired = "", false
		return c, nil
	})
	noErr(t, "UpdateClient back", err)

	x := f.sessionsFor(f.listening, f.listening, f.deaf) // two grants to one app: one delivery
	other := f.sessionsFor(f.listening)
	if n := queued(t, s); n != 0 {
		t.Fatalf("%d deliveries queued before any session ended", n)
	}
	if due(t, s, time.Now().Add(time.Second)) {
		t.Fatal("a delivery is due before any session ended")
	}
	noErr(t, "DeleteSession", s.DeleteSession(ctx, x.IDHash))
	t0 := time.Now().Add(time.Second)
	if !due(t, s, t0) {
		t.Fatal("no delivery due after the session ended")
	}
	ds := claimAll(t, s, t0)
	want := []store.LogoutDelivery{{ClientID: f.listening.ID, SID: x.SID, UserID: f.user.ID, Attempts: 1}}
	diff(t, "claimed deliveries", want, clearCreated(t, ds, t0))
	if got := claimAll(t, s, t0); len(got) != 0 || due(t, s, t0) {
		t.Fatalf("a leased delivery was due or claimed again: %+v", got)
	}

	// A stale claim changes nothing.
	stale := ds[0]
	stale.Attempts = 0
	noErr(t, "RetryLogoutDelivery stale", s.RetryLogoutDelivery(ctx, stale, t0, "stale"))
	noErr(t, "FinishLogoutDelivery stale", s.FinishLogoutDelivery(ctx, stale))
	if got := claimAll(t, s, t0); len(got) != 0 || queued(t, s) != 1 {
		t.Fatalf("a stale claim released or finished the delivery: %+v", got)
	}

	// Rescheduled, it is due again at next, with the reason.
	noErr(t, "RetryLogoutDelivery", s.RetryLogoutDelivery(ctx, ds[0], t0.Add(10*time.Second), "connection refused"))
	if got := claimAll(t, s, t0.Add(5*time.Second)); len(got) != 0 || due(t, s, t0.Add(5*time.Second)) {
		t.Fatalf("due or claimed before its next attempt: %+v", got)
	}
	if !due(t, s, t0.Add(11*time.Second)) {
		t.Fatal("not due at its next attempt")
	}
	ds = claimAll(t, s, t0.Add(11*time.Second))
	if len(ds) != 1 || ds[0].Attempts != 2 || ds[0].LastError != "connection refused" {
		t.Fatalf("second claim: %+v", ds)
	}
	// A lease that runs out frees the delivery for another worker, whose
	// claim then supersedes the first.
	first := ds[0]
	ds = claimAll(t, s, t0.Add(11*time.Second+2*time.Minute))
	if len(ds) != 1 || ds[0].Attempts != 3 {
		t.Fatalf("claim after the lease ran out: %+v", ds)
	}
	noErr(t, "FinishLogoutDelivery superseded", s.FinishLogoutDelivery(ctx, first))
	if n := queued(t, s); n != 1 {
		t.Fatalf("a superseded claim finished the delivery (%d queued)", n)
	}
	noErr(t, "FinishLogoutDelivery", s.FinishLogoutDelivery(ctx, ds[0]))
	if n := queued(t, s); n != 0 {
		t.Fatalf("%d queued after finishing", n)
	}

	// The other session's app is owed its delivery only when that one ends.
	noErr(t, "DeleteSession other", s.DeleteSession(ctx, other.IDHash))
	if n := queued(t, s); n != 1 {
		t.Fatalf("%d queued after the second session ended, want 1", n)
	}
}

// clearCreated checks each delivery's CreatedAt is set and not after at,
// then zeroes it for comparison.
func clearCreated(t *testing.T, ds []store.LogoutDelivery, at time.Time) []store.LogoutDelivery {
	t.Helper()
	for i := range ds {
		if ds[i].CreatedAt.IsZero() || ds[i].CreatedAt.After(at) {
			t.Fatalf("delivery CreatedAt %v (claimed at %v)", ds[i].CreatedAt, at)
		}
		ds[i].CreatedAt = time.Time{}
	}
	return ds
}

// testLogoutQueueEverySignOut: every call that ends sessions queues their
// deliveries: the user's or an admin's, suspension, a new password and
// deleting the user. Revoking a grant ends no session and queues nothing.
func testLogoutQueueEverySignOut(t *testing.T, s store.Store) {
	ctx := t.Context()
	cases := []struct {
		name string
		end  func(f logoutFixture, x store.Session) error
	}{
		{"DeleteSession", func(f logoutFixture, x store.Session) error { return s.DeleteSession(ctx, x.IDHash) }},
		{"DeleteUserSession", func(f logoutFixture, x store.Session) error { return s.DeleteUserSession(ctx, f.user.ID, x.SID) }},
		{"DeleteUserSessions", func(f logoutFixture, x store.Session) error { return s.DeleteUserSessions(ctx, f.user.ID) }},
		{"SuspendUser", func(f logoutFixture, x store.Session) error {
			_, err := s.SuspendUser(ctx, f.user.ID, true, now())
			return err
		}},
		{"SetUserPassword", func(f logoutFixture, x store.Session) error {
			return s.SetUserPassword(ctx, f.user.ID, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", now())
		}},
		{"DeleteUser", func(f logoutFixture, x store.Session) error { return s.DeleteUser(ctx, f.user.ID) }},
	}
	for _, c := range cases {
		f := newLogoutFixture(t, s)
		x := f.sessionsFor(f.listening, f.deaf)
		before := queued(t, s)
		noErr(t, "RevokeUserGrants", s.RevokeUserGrants(ctx, f.user.ID, now()))
		if n := queued(t, s); n != before {
			t.Fatalf("%s: revoking grants queued %d deliveries", c.name, n-before)
		}
		noErr(t, c.name, c.end(f, x))
		if n := queued(t, s); n != before+1 {
			t.Errorf("%s: %d deliveries queued, want 1", c.name, n-before)
		}
	}
	ds := claimAll(t, s, time.Now().Add(time.Second))
	if len(ds) != len(cases) {
		t.Fatalf("claimed %d deliveries, want %d", len(ds), len(cases))
	}
}

// testLogoutQueueTrim: the queue keeps the newest max deliveries and none
// queued before the cut-off.
func testLogoutQueueTrim(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newLogoutFixture(t, s)
	var sids []string
	for range 5 {
		x := f.sessionsFor(f.listening)
		noErr(t, "DeleteSession", s.DeleteSession(ctx, x.IDHash))
		sids = append(sids, x.SID)
		time.Sleep(2 * time.Millisecond) // distinct created_at
	}
	n, err := s.TrimLogoutDeliveries(ctx, 2, time.Now().Add(-time.Hour))
	noErr(t, "TrimLogoutDeliveries", err)
	if n != 3 || queued(t, s) != 2 {
		t.Fatalf("trimmed %d, %d left; want 3 and 2", n, queued(t, s))
	}
	var kept []string
	for _, d := range claimAll(t, s, time.Now().Add(time.Second)) {
		kept = append(kept, d.SID)
	}
	slices.Sort(kept)
	want := slices.Clone(sids[3:])
	slices.Sort(want)
	diff(t, "kept the newest", want, kept)
	n, err = s.TrimLogoutDeliveries(ctx, 100, time.Now().Add(time.Second))
	noErr(t, "TrimLogoutDeliveries by age", err)
	if n != 2 || queued(t, s) != 0 {
		t.Fatalf("trimmed %d by age, %d left; want 2 and 0", n, queued(t, s))
	}
}

// testLogoutQueueConcurrentClaims: workers claiming at once, as on many
// replicas, never get the same delivery.
func testLogoutQueueConcurrentClaims(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newLogoutFixture(t, s)
	const total = 24
	for range total {
		x := f.sessionsFor(f.listening)
		noErr(t, "DeleteSession", s.DeleteSession(ctx, x.IDHash))
	}
	at := time.Now().Add(time.Second)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	watchdog(t, func() {
		for range 4 {
			wg.Go(func() {
				for {
					ds, err := s.ClaimLogoutDeliveries(context.WithoutCancel(ctx), at, time.Minute, 3)
					if err != nil {
						t.Errorf("ClaimLogoutDeliveries: %v", err)
						return
					}
					if len(ds) == 0 {
						return
					}
					mu.Lock()
					for _, d := range ds {
						seen[d.SID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	})
	if len(seen) != total {
		t.Fatalf("claimed %d distinct deliveries, want %d", len(seen), total)
	}
	for sid, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s claimed %d times", sid, n)
		}
	}
}
