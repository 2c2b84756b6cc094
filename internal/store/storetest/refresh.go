package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// redeemedFixture is a new fixture whose code was redeemed at n with the
// refresh token rt.
func redeemedFixture(t *testing.T, s store.Store) (fixture, time.Time, store.RefreshToken) {
	t.Helper()
	n := now()
	f := newFixture(t, s)
	rt := f.refresh(n)
	noErr(t, "redeem", redeem(t, s, f.code(n), n, f.access(n), &rt))
	return f, n, rt
}

func testRefreshTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	f, n, rt := redeemedFixture(t, s)
	_, err := s.GetRefreshToken(ctx, hash())
	wantErr(t, "GetRefreshToken missing", err, store.ErrNotFound)

	// Refresh without rotation: the token stays usable.
	at1 := f.access(n)
	got, err := s.UseRefreshToken(ctx, rt.Hash, n, func(tok store.RefreshToken, g store.Grant) (store.RefreshIssue, error) {
		diffInCallback(t, "token passed to fn", rt, tok)
		diffInCallback(t, "grant passed to fn", f.grant, g)
		return store.RefreshIssue{AccessToken: &at1}, nil
	})
	noErr(t, "UseRefreshToken", err)
	diff(t, "UseRefreshToken result", rt, got)
	_, err = s.GetAccessToken(ctx, at1.Hash, n)
	noErr(t, "access token from refresh", err)

	// Rotation: the old token is consumed, the new one works.
	at2 := f.access(n)
	next := f.refresh(n)
	rotAt := n.Add(time.Minute)
	got, err = s.UseRefreshToken(ctx, rt.Hash, rotAt, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{AccessToken: &at2, Rotate: &next}, nil
	})
	noErr(t, "UseRefreshToken rotate", err)
	old, err := s.GetRefreshToken(ctx, rt.Hash)
	noErr(t, "GetRefreshToken old", err)
	if !old.ConsumedAt.Equal(rotAt) {
		t.Fatalf("rotated token ConsumedAt = %v, want %v", old.ConsumedAt, rotAt)
	}
	_ = got
	gotNext, err := s.GetRefreshToken(ctx, next.Hash)
	noErr(t, "GetRefreshToken new", err)
	diff(t, "rotated-in token", next, gotNext)
	_, err = s.UseRefreshToken(ctx, next.Hash, rotAt, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{AccessToken: ptr(f.access(n))}, nil
	})
	noErr(t, "UseRefreshToken new token", err)

	err = useRefreshRefused(t, s, hash(), n, "for a missing token")
	wantErr(t, "UseRefreshToken missing", err, store.ErrNotFound)
}

func testRefreshReplay(t *testing.T, s store.Store) {
	ctx := t.Context()
	f, n, rt := redeemedFixture(t, s)
	next := f.refresh(n)
	at := f.access(n)
	_, err := s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{AccessToken: &at, Rotate: &next}, nil
	})
	noErr(t, "rotate", err)

	err = useRefreshRefused(t, s, rt.Hash, n, "on replay")
	wantErr(t, "UseRefreshToken replay", err, store.ErrReplayed)
	g, err := s.GetGrant(ctx, f.grant.ID)
	noErr(t, "GetGrant", err)
	if g.RevokedAt.IsZero() {
		t.Fatal("grant not revoked after refresh replay")
	}
	err = useRefreshRefused(t, s, next.Hash, n, "for the successor of a replayed token")
	wantErr(t, "successor after replay", err, store.ErrNotFound)
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "access token after replay", err, store.ErrNotFound)
}

func testRefreshCallbackError(t *testing.T, s store.Store) {
	ctx := t.Context()
	f, n, rt := redeemedFixture(t, s)
	boom := errors.New("scope widened")
	at := f.access(n)
	next := f.refresh(n)
	_, err := s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{AccessToken: &at, Rotate: &next}, boom
	})
	wantErr(t, "UseRefreshToken fn error", err, boom)
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "access token after fn error", err, store.ErrNotFound)
	_, err = s.GetRefreshToken(ctx, next.Hash)
	wantErr(t, "rotated token after fn error", err, store.ErrNotFound)
	// Nothing was consumed: the token still works.
	_, err = s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{AccessToken: ptr(f.access(n))}, nil
	})
	noErr(t, "UseRefreshToken after fn error", err)
}

func testRefreshExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	rt := f.refresh(n)
	rt.ExpiresAt = n.Add(-time.Second)
	noErr(t, "redeem", redeem(t, s, f.code(n), n, f.access(n), &rt))
	err := useRefreshRefused(t, s, rt.Hash, n, "for an expired token")
	wantErr(t, "UseRefreshToken expired token", err, store.ErrNotFound)

	// A live token of an expired grant is unusable too.
	g := newGrant(f, []string{"openid", "offline_access"}, n.Add(-2*time.Hour))
	g.ExpiresAt = n.Add(-time.Hour)
	noErr(t, "CreateGrant expired", s.CreateGrant(ctx, g))
	rt2 := f.refresh(n)
	rt2.GrantID = g.ID
	code := f.code(n)
	code.GrantID = f.grant.ID
	noErr(t, "redeem 2", redeem(t, s, code, n, f.access(n), &rt2))
	err = useRefreshRefused(t, s, rt2.Hash, n, "for a token of an expired grant")
	wantErr(t, "UseRefreshToken expired grant", err, store.ErrNotFound)
}

// testRefreshReuse: a token rotated with a kept successor answers a reuse
// (nothing rotates, the access token is written, the grant stays) while
// its successor is unconsumed; a reuse that fn refuses, or one after the
// successor was itself rotated, is a replay.
func testRefreshReuse(t *testing.T, s store.Store) {
	ctx := t.Context()
	f, n, rt := redeemedFixture(t, s)
	next := f.refresh(n)
	sealed := []byte("sealed successor")
	_, err := s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{AccessToken: ptr(f.access(n)), Rotate: &next, KeepSuccessor: sealed}, nil
	})
	noErr(t, "rotate keeping the successor", err)

	at := f.access(n)
	later := n.Add(time.Second)
	_, err = s.UseRefreshToken(ctx, rt.Hash, later, func(tok store.RefreshToken, g store.Grant) (store.RefreshIssue, error) {
		if tok.ConsumedAt.IsZero() || string(tok.Successor) != string(sealed) || string(tok.SuccessorHash) != string(next.Hash) {
			t.Errorf("fn got %+v, want the consumed token with its kept successor", tok)
		}
		return store.RefreshIssue{AccessToken: &at, Reuse: true}, nil
	})
	noErr(t, "reuse within the interval", err)
	_, err = s.GetAccessToken(ctx, at.Hash, later)
	noErr(t, "access token of the reuse", err)
	if g, _ := s.GetGrant(ctx, f.grant.ID); !g.RevokedAt.IsZero() {
		t.Fatal("a reuse revoked the grant")
	}
	if got, _ := s.GetRefreshToken(ctx, next.Hash); !got.ConsumedAt.IsZero() {
		t.Fatal("a reuse consumed the successor")
	}

	// The successor rotates on: the old token's reuse is over.
	next2 := f.refresh(n)
	_, err = s.UseRefreshToken(ctx, next.Hash, later, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{Rotate: &next2, KeepSuccessor: sealed}, nil
	})
	noErr(t, "rotate the successor", err)
	called := false
	_, err = s.UseRefreshToken(ctx, rt.Hash, later, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		called = true
		return store.RefreshIssue{Reuse: true}, nil
	})
	wantErr(t, "reuse after the successor rotated", err, store.ErrReplayed)
	if called {
		t.Error("fn was called for a token whose successor had rotated")
	}
	if g, _ := s.GetGrant(ctx, f.grant.ID); g.RevokedAt.IsZero() {
		t.Fatal("grant not revoked")
	}

	// fn refusing a reuse (the interval is over) is a replay.
	f, n, rt = redeemedFixture(t, s)
	next = f.refresh(n)
	_, err = s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{Rotate: &next, KeepSuccessor: sealed}, nil
	})
	noErr(t, "rotate", err)
	_, err = s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{}, store.ErrReplayed
	})
	wantErr(t, "reuse refused by fn", err, store.ErrReplayed)
	if g, _ := s.GetGrant(ctx, f.grant.ID); g.RevokedAt.IsZero() {
		t.Fatal("grant not revoked after a refused reuse")
	}
}
