package storetest

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testGarbageCollect(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	past := n.Add(-time.Hour)
	f := newFixture(t, s) // live session and grant

	// One expired row of each kind...
	noErr(t, "auth request", s.CreateAuthRequest(ctx, store.AuthRequest{ID: "old", CreatedAt: past.Add(-time.Hour), ExpiresAt: past}))
	oldSession := store.Session{IDHash: hash(), SID: id(), UserID: f.user.ID, CreatedAt: past, ExpiresAt: past}
	noErr(t, "session", s.CreateSession(ctx, oldSession))
	oldCode := f.code(past.Add(-time.Hour))
	noErr(t, "code", s.CreateCode(ctx, oldCode))
	oldRT := f.refresh(past)
	oldRT.ExpiresAt = past
	oldAT := f.access(past)
	oldAT.ExpiresAt = past
	liveRT := f.refresh(n)
	liveAT := f.access(n)
	liveCode := f.code(n)
	noErr(t, "CreateCode live", s.CreateCode(ctx, liveCode))
	noErr(t, "tokens", redeem(t, s, f.code(n), n, oldAT, &oldRT))
	noErr(t, "tokens", redeem(t, s, f.code(n), n, liveAT, &liveRT))
	// (two more codes, redeemed but unexpired, stay)
	_, _, err := s.ReserveAttempt(ctx, "ip:old", 5, time.Minute, past)
	noErr(t, "throttle old", err)
	_, _, err = s.ReserveAttempt(ctx, "ip:new", 5, time.Hour, n)
	noErr(t, "throttle new", err)
	createGCKeys(t, s, past, n)
	noErr(t, "live auth request", s.CreateAuthRequest(ctx, store.AuthRequest{ID: "new", CreatedAt: n, ExpiresAt: n.Add(time.Hour)}))
	// Ended, but less than store.ClockSkew ago: another replica may still
	// take it for live, so it stays.
	noErr(t, "just-ended auth request", s.CreateAuthRequest(ctx, store.AuthRequest{ID: "recent", CreatedAt: past, ExpiresAt: n.Add(-time.Second)}))

	got, err := s.GarbageCollect(ctx, n)
	noErr(t, "GarbageCollect", err)
	// auth request, session, code, refresh token, access token, throttle, key.
	if got != 7 {
		t.Fatalf("GarbageCollect deleted %d rows, want 7", got)
	}

	_, err = s.GetRefreshToken(ctx, oldRT.Hash)
	wantErr(t, "expired refresh token after GC", err, store.ErrNotFound)
	_, err = s.GetRefreshToken(ctx, liveRT.Hash)
	noErr(t, "live refresh token after GC", err)
	_, err = s.GetAccessToken(ctx, liveAT.Hash, n)
	noErr(t, "live access token after GC", err)
	_, err = s.GetSession(ctx, f.session.IDHash)
	noErr(t, "live session after GC", err)
	_, err = s.GetAuthRequest(ctx, "new")
	noErr(t, "live auth request after GC", err)
	_, err = s.GetAuthRequest(ctx, "recent")
	noErr(t, "auth request within the clock skew after GC", err)
	_, err = s.GetGrant(ctx, f.grant.ID)
	noErr(t, "live grant after GC", err)
	_, err = redeemRefused(t, s, oldCode.Hash, n, "for a collected code")
	wantErr(t, "collected code", err, store.ErrNotFound)
	noErr(t, "live code after GC", redeemExisting(t, s, liveCode, n, f.access(n)))
	keys, err := s.ListKeys(ctx)
	noErr(t, "ListKeys", err)
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	diff(t, "keys after GC", []string{"k-retired", "k-active"}, ids)
	// The expired throttle window is gone: a full new window is available.
	for i := range 5 {
		ok, _, err := s.ReserveAttempt(ctx, "ip:old", 5, time.Minute, past)
		noErr(t, "ReserveAttempt", err)
		if !ok {
			t.Fatalf("attempt %d refused after GC cleared the window", i+1)
		}
	}

	again, err := s.GarbageCollect(ctx, n)
	noErr(t, "GarbageCollect again", err)
	if again != 1 { // the ip:old window just recreated in the past
		t.Fatalf("second GarbageCollect deleted %d rows, want 1", again)
	}
}

// createGCKeys stores a retired and expired key (collected), a retired key
// still published, and the active key.
func createGCKeys(t *testing.T, s store.Store, past, n time.Time) {
	t.Helper()
	ctx := t.Context()
	noErr(t, "key retired+expired", s.CreateKey(ctx, store.SigningKey{ID: "k-old", Alg: "ES384", PrivateKey: []byte("x"),
		CreatedAt: past.Add(-48 * time.Hour), ActivatesAt: past.Add(-48 * time.Hour), RetiredAt: past.Add(-24 * time.Hour), ExpiresAt: past}))
	noErr(t, "key retired, still published", s.CreateKey(ctx, store.SigningKey{ID: "k-retired", Alg: "ES384", PrivateKey: []byte("x"),
		CreatedAt: past, ActivatesAt: past, RetiredAt: past, ExpiresAt: n.Add(time.Hour)}))
	noErr(t, "key active", s.CreateKey(ctx, store.SigningKey{ID: "k-active", Alg: "ES384", PrivateKey: []byte("x"),
		CreatedAt: n, ActivatesAt: n}))
}

func redeemExisting(t *testing.T, s store.Store, code store.AuthCode, n time.Time, at store.AccessToken) error {
	t.Helper()
	_, err := s.RedeemCode(t.Context(), code.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		return store.CodeIssue{AccessToken: &at}, nil
	})
	return err
}
