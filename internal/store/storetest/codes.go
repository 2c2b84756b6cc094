package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testCodes(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	code := f.code(n)
	noErr(t, "CreateCode", s.CreateCode(ctx, code))
	wantErr(t, "CreateCode duplicate", s.CreateCode(ctx, code), store.ErrAlreadyExists)

	at := f.access(n)
	rt := f.refresh(n)
	redeemAt := n.Add(time.Second)
	calls := 0
	var passed store.AuthCode // compared here: fn may run on a store's goroutine
	got, err := s.RedeemCode(ctx, code.Hash, redeemAt, func(c store.AuthCode) (store.CodeIssue, error) {
		calls++
		passed = c
		return store.CodeIssue{AccessToken: &at, RefreshToken: &rt}, nil
	})
	noErr(t, "RedeemCode", err)
	if calls != 1 {
		t.Fatalf("fn called %d times", calls)
	}
	want := code
	want.ConsumedAt = redeemAt
	diff(t, "code passed to fn", want, passed)
	diff(t, "redeemed code", want, got)

	gotAT, err := s.GetAccessToken(ctx, at.Hash, n)
	noErr(t, "issued access token", err)
	diff(t, "issued access token", at, gotAT)
	gotRT, err := s.GetRefreshToken(ctx, rt.Hash)
	noErr(t, "issued refresh token", err)
	diff(t, "issued refresh token", rt, gotRT)

	// Without a refresh token.
	code2 := f.code(n)
	at2 := f.access(n)
	noErr(t, "redeem without refresh", redeem(t, s, code2, n, at2, nil))
	_, err = s.GetAccessToken(ctx, at2.Hash, n)
	noErr(t, "access token of second code", err)

	_, err = redeemRefused(t, s, hash(), n, "for a missing code")
	wantErr(t, "RedeemCode missing", err, store.ErrNotFound)
}

func testCodeReplay(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	code := f.code(n)
	at := f.access(n)
	rt := f.refresh(n)
	noErr(t, "redeem", redeem(t, s, code, n, at, &rt))

	got, err := redeemRefused(t, s, code.Hash, n, "on replay")
	wantErr(t, "RedeemCode replay", err, store.ErrReplayed)
	if got.GrantID != "" && got.GrantID != f.grant.ID {
		t.Fatalf("replayed code names grant %q, want %q", got.GrantID, f.grant.ID)
	}
	g, err := s.GetGrant(ctx, f.grant.ID)
	noErr(t, "GetGrant", err)
	if g.RevokedAt.IsZero() {
		t.Fatal("grant not revoked after code replay")
	}
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "access token after replay", err, store.ErrNotFound)
	err = useRefreshRefused(t, s, rt.Hash, n, "for a refresh token of a replayed code")
	wantErr(t, "refresh after replay", err, store.ErrNotFound)
}

func testCodeCallbackError(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	code := f.code(n)
	noErr(t, "CreateCode", s.CreateCode(ctx, code))
	at := f.access(n)
	boom := errors.New("bad code_verifier")
	_, err := s.RedeemCode(ctx, code.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		return store.CodeIssue{AccessToken: &at}, boom
	})
	wantErr(t, "RedeemCode fn error", err, boom)
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "access token after fn error", err, store.ErrNotFound)
	// The attempt burned the code: a second presentation is a replay.
	_, err = redeemRefused(t, s, code.Hash, n, "for a burned code")
	wantErr(t, "RedeemCode after fn error", err, store.ErrReplayed)

	// An issue that cannot be written (a duplicate token hash) fails the
	// redemption, writes nothing (the access token written before the
	// failing refresh token is rolled back) and still burns the code.
	f2 := newFixture(t, s)
	takenRT := f2.refresh(n)
	noErr(t, "redeem", redeem(t, s, f2.code(n), n, f2.access(n), &takenRT))
	code2 := f2.code(n)
	noErr(t, "CreateCode", s.CreateCode(ctx, code2))
	fresh := f2.access(n)
	dup := takenRT
	dup.ExpiresAt = n.Add(time.Hour)
	_, err = s.RedeemCode(ctx, code2.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		return store.CodeIssue{AccessToken: &fresh, RefreshToken: &dup}, nil
	})
	wantErr(t, "RedeemCode with a duplicate refresh token", err, store.ErrAlreadyExists)
	_, err = s.GetAccessToken(ctx, fresh.Hash, n)
	wantErr(t, "access token of a failed issue", err, store.ErrNotFound)
	got, err := s.GetRefreshToken(ctx, takenRT.Hash)
	noErr(t, "GetRefreshToken", err)
	diff(t, "existing refresh token untouched", takenRT, got)
	_, err = redeemRefused(t, s, code2.Hash, n, "for a burned code")
	wantErr(t, "RedeemCode after failed issue", err, store.ErrReplayed)
}

func testCodeExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	code := f.code(n.Add(-time.Hour))
	noErr(t, "CreateCode", s.CreateCode(ctx, code))
	_, err := redeemRefused(t, s, code.Hash, n, "for an expired code")
	wantErr(t, "RedeemCode expired", err, store.ErrNotFound)
	g, err := s.GetGrant(ctx, f.grant.ID)
	noErr(t, "GetGrant", err)
	if !g.RevokedAt.IsZero() {
		t.Fatal("an expired code revoked its grant")
	}

	// A code whose lifetime ended less than store.ClockSkew ago by this
	// replica's clock may come from one whose clock is behind: redeemed.
	// One that ended longer ago is not.
	recent := f.code(n)
	recent.ExpiresAt = n.Add(-store.ClockSkew + time.Second)
	noErr(t, "CreateCode recent", s.CreateCode(ctx, recent))
	_, err = s.RedeemCode(ctx, recent.Hash, n, func(store.AuthCode) (store.CodeIssue, error) { return store.CodeIssue{}, nil })
	noErr(t, "RedeemCode within the clock skew", err)
	old := f.code(n)
	old.ExpiresAt = n.Add(-store.ClockSkew - time.Second)
	noErr(t, "CreateCode old", s.CreateCode(ctx, old))
	_, err = redeemRefused(t, s, old.Hash, n, "for a code expired beyond the clock skew")
	wantErr(t, "RedeemCode beyond the clock skew", err, store.ErrNotFound)
}

// testCreateGrantAndCode: the authorization endpoint's one write stores
// both, or neither when either cannot be stored.
func testCreateGrantAndCode(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	g := newGrant(f, []string{"openid"}, n)
	c := f.code(n)
	c.GrantID = g.ID
	noErr(t, "CreateGrantAndCode", s.CreateGrantAndCode(ctx, g, c))
	got, err := s.GetGrant(ctx, g.ID)
	noErr(t, "GetGrant", err)
	diff(t, "grant", g, got)
	redeemed, err := s.RedeemCode(ctx, c.Hash, n.Add(time.Second), func(store.AuthCode) (store.CodeIssue, error) {
		return store.CodeIssue{}, nil
	})
	noErr(t, "RedeemCode", err)
	if redeemed.GrantID != g.ID {
		t.Fatalf("redeemed code's grant %q, want %q", redeemed.GrantID, g.ID)
	}
	// A code whose hash is taken: the new grant is not stored either.
	g2 := newGrant(f, []string{"openid"}, n)
	dup := c
	dup.GrantID = g2.ID
	wantErr(t, "CreateGrantAndCode duplicate code", s.CreateGrantAndCode(ctx, g2, dup), store.ErrAlreadyExists)
	_, err = s.GetGrant(ctx, g2.ID)
	wantErr(t, "grant of a refused code", err, store.ErrNotFound)
}
