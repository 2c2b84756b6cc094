package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testAuthRequests(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	a := store.AuthRequest{ID: "ar1", ClientID: "c1", RedirectURI: "https://app.example/cb",
		Scopes: []string{"openid", "profile"}, Resources: []string{"https://api.example"}, State: "xyz",
		Nonce: "n1", CodeChallenge: "abc", CodeChallengeMethod: "S256", ResponseMode: "query",
		Prompt: []string{"login", "consent"}, MaxAge: -1, LoginHint: "alice", UILocales: "fr-CA fr",
		ForceLogin: true, CreatedAt: n, ExpiresAt: n.Add(10 * time.Minute)}

	_, err := s.GetAuthRequest(ctx, "ar1")
	wantErr(t, "GetAuthRequest before create", err, store.ErrNotFound)
	noErr(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, a))
	wantErr(t, "CreateAuthRequest duplicate", s.CreateAuthRequest(ctx, a), store.ErrAlreadyExists)
	got, err := s.GetAuthRequest(ctx, "ar1")
	noErr(t, "GetAuthRequest", err)
	diff(t, "auth request", a, got)

	got, err = s.UpdateAuthRequest(ctx, "ar1", func(old store.AuthRequest) (store.AuthRequest, error) {
		diff(t, "UpdateAuthRequest fn input", a, old)
		old.ForceLogin = false
		old.Prompt = nil
		old.MaxAge = 300
		return old, nil
	})
	noErr(t, "UpdateAuthRequest", err)
	want := a
	want.ForceLogin, want.Prompt, want.MaxAge = false, nil, 300
	diff(t, "UpdateAuthRequest result", want, got)
	got, err = s.GetAuthRequest(ctx, "ar1")
	noErr(t, "GetAuthRequest", err)
	diff(t, "auth request after update", want, got)

	boom := errors.New("boom")
	_, err = s.UpdateAuthRequest(ctx, "ar1", func(old store.AuthRequest) (store.AuthRequest, error) {
		old.State = "changed"
		return old, boom
	})
	wantErr(t, "UpdateAuthRequest fn error", err, boom)
	got, err = s.GetAuthRequest(ctx, "ar1")
	noErr(t, "GetAuthRequest", err)
	diff(t, "auth request after failed update", want, got)

	// Expired requests are invisible.
	old := a
	old.ID, old.ExpiresAt = "ar2", n.Add(-time.Second)
	noErr(t, "CreateAuthRequest expired", s.CreateAuthRequest(ctx, old))
	_, err = s.GetAuthRequest(ctx, "ar2")
	wantErr(t, "GetAuthRequest expired", err, store.ErrNotFound)
	_, err = s.UpdateAuthRequest(ctx, "ar2", func(a store.AuthRequest) (store.AuthRequest, error) {
		t.Fatal("fn called for an expired request")
		return a, nil
	})
	wantErr(t, "UpdateAuthRequest expired", err, store.ErrNotFound)

	noErr(t, "DeleteAuthRequest", s.DeleteAuthRequest(ctx, "ar1"))
	_, err = s.GetAuthRequest(ctx, "ar1")
	wantErr(t, "GetAuthRequest after delete", err, store.ErrNotFound)
	noErr(t, "DeleteAuthRequest twice (idempotent)", s.DeleteAuthRequest(ctx, "ar1"))
}

func testSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	x := store.Session{IDHash: hash(), SID: "sid1", UserID: "u1", AuthTime: n.Add(-time.Minute), CreatedAt: n, ExpiresAt: n.Add(time.Hour), LastSeenAt: n}
	_, err := s.GetSession(ctx, x.IDHash)
	wantErr(t, "GetSession before create", err, store.ErrNotFound)
	noErr(t, "CreateSession", s.CreateSession(ctx, x))
	wantErr(t, "CreateSession duplicate", s.CreateSession(ctx, x), store.ErrAlreadyExists)
	got, err := s.GetSession(ctx, x.IDHash)
	noErr(t, "GetSession", err)
	diff(t, "session", x, got)

	// TouchSession moves LastSeenAt forward only: a replica that read the
	// session earlier cannot shorten it.
	noErr(t, "TouchSession", s.TouchSession(ctx, x.IDHash, n.Add(2*time.Minute)))
	noErr(t, "TouchSession backwards", s.TouchSession(ctx, x.IDHash, n.Add(time.Minute)))
	got, err = s.GetSession(ctx, x.IDHash)
	noErr(t, "GetSession after touch", err)
	x.LastSeenAt = n.Add(2 * time.Minute)
	diff(t, "touched session", x, got)
	noErr(t, "TouchSession missing", s.TouchSession(ctx, hash(), n))

	expired := store.Session{IDHash: hash(), SID: "sid2", UserID: "u1", AuthTime: n, CreatedAt: n.Add(-2 * time.Hour), ExpiresAt: n.Add(-time.Second)}
	noErr(t, "CreateSession expired", s.CreateSession(ctx, expired))
	_, err = s.GetSession(ctx, expired.IDHash)
	wantErr(t, "GetSession expired", err, store.ErrNotFound)

	noErr(t, "DeleteSession", s.DeleteSession(ctx, x.IDHash))
	_, err = s.GetSession(ctx, x.IDHash)
	wantErr(t, "GetSession after delete", err, store.ErrNotFound)
	noErr(t, "DeleteSession twice (idempotent)", s.DeleteSession(ctx, x.IDHash))
}

func testDeleteSessionRevokes(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s, "openid", "profile") // online grant from the session
	offline := newGrant(f, []string{"openid", "offline_access"}, n)
	noErr(t, "CreateGrant offline", s.CreateGrant(ctx, offline))
	otherSession := store.Session{IDHash: hash(), SID: id(), UserID: f.user.ID, AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateSession other", s.CreateSession(ctx, otherSession))
	elsewhere := newGrant(f, []string{"openid"}, n)
	elsewhere.SID = otherSession.SID
	noErr(t, "CreateGrant other session", s.CreateGrant(ctx, elsewhere))

	onlineAT := f.access(n)
	offlineAT := f.access(n)
	offlineAT.GrantID = offline.ID
	elsewhereAT := f.access(n)
	elsewhereAT.GrantID = elsewhere.ID
	for _, at := range []store.AccessToken{onlineAT, offlineAT, elsewhereAT} {
		noErr(t, "CreateAccessToken", s.CreateAccessToken(ctx, at))
	}

	noErr(t, "DeleteSession", s.DeleteSession(ctx, f.session.IDHash))

	g, err := s.GetGrant(ctx, f.grant.ID)
	if err == nil && g.RevokedAt.IsZero() {
		t.Fatal("online grant of the ended session is still live")
	}
	_, err = s.GetAccessToken(ctx, onlineAT.Hash, n)
	wantErr(t, "online grant's access token", err, store.ErrNotFound)

	g, err = s.GetGrant(ctx, offline.ID)
	noErr(t, "GetGrant offline", err)
	if !g.RevokedAt.IsZero() {
		t.Fatal("offline_access grant was revoked by DeleteSession")
	}
	_, err = s.GetAccessToken(ctx, offlineAT.Hash, n)
	noErr(t, "offline grant's access token", err)

	g, err = s.GetGrant(ctx, elsewhere.ID)
	noErr(t, "GetGrant other session", err)
	if !g.RevokedAt.IsZero() {
		t.Fatal("grant of another session was revoked")
	}
	_, err = s.GetSession(ctx, otherSession.IDHash)
	noErr(t, "other session", err)
}

func testDeleteUserSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s, "openid")
	other := newFixture(t, s, "openid")
	second := store.Session{IDHash: hash(), SID: id(), UserID: f.user.ID, AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateSession", s.CreateSession(ctx, second))

	noErr(t, "DeleteUserSessions", s.DeleteUserSessions(ctx, f.user.ID))
	for _, h := range [][]byte{f.session.IDHash, second.IDHash} {
		_, err := s.GetSession(ctx, h)
		wantErr(t, "session after DeleteUserSessions", err, store.ErrNotFound)
	}
	if g, err := s.GetGrant(ctx, f.grant.ID); err == nil && g.RevokedAt.IsZero() {
		t.Fatal("online grant of an ended session is still live")
	}
	_, err := s.GetSession(ctx, other.session.IDHash)
	noErr(t, "other user's session", err)
	g, err := s.GetGrant(ctx, other.grant.ID)
	noErr(t, "other user's grant", err)
	if !g.RevokedAt.IsZero() {
		t.Fatal("other user's grant revoked")
	}
	noErr(t, "DeleteUserSessions twice (idempotent)", s.DeleteUserSessions(ctx, f.user.ID))
}

func testGrants(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	g := store.Grant{ID: "g1", ClientID: "c1", UserID: "u1", SID: "sid", Scopes: []string{"openid", "offline_access"},
		Resources: []string{"https://api.example"}, AuthTime: n.Add(-time.Minute), CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	_, err := s.GetGrant(ctx, "g1")
	wantErr(t, "GetGrant before create", err, store.ErrNotFound)
	noErr(t, "CreateGrant", s.CreateGrant(ctx, g))
	wantErr(t, "CreateGrant duplicate", s.CreateGrant(ctx, g), store.ErrAlreadyExists)
	got, err := s.GetGrant(ctx, "g1")
	noErr(t, "GetGrant", err)
	diff(t, "grant", g, got)

	rev := n.Add(time.Minute)
	noErr(t, "RevokeGrant", s.RevokeGrant(ctx, "g1", rev))
	noErr(t, "RevokeGrant twice", s.RevokeGrant(ctx, "g1", rev.Add(time.Minute)))
	got, err = s.GetGrant(ctx, "g1")
	noErr(t, "GetGrant revoked", err)
	g.RevokedAt = rev
	diff(t, "revoked grant (first RevokedAt kept)", g, got)
	wantErr(t, "RevokeGrant missing", s.RevokeGrant(ctx, "nope", rev), store.ErrNotFound)
}

func testRevokeGrantCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	sibling := newGrant(f, []string{"openid"}, n)
	noErr(t, "CreateGrant sibling", s.CreateGrant(ctx, sibling))
	code := f.code(n)
	noErr(t, "CreateCode", s.CreateCode(ctx, code))
	rt := f.refresh(n)
	at := f.access(n)
	noErr(t, "redeem", redeem(t, s, f.code(n), n, at, &rt))
	sat := f.access(n)
	sat.GrantID = sibling.ID
	noErr(t, "CreateAccessToken sibling", s.CreateAccessToken(ctx, sat))
	_, err := s.GetAccessToken(ctx, at.Hash, n)
	noErr(t, "GetAccessToken before revoke", err)

	noErr(t, "RevokeGrant", s.RevokeGrant(ctx, f.grant.ID, n))

	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "GetAccessToken of revoked grant", err, store.ErrNotFound)
	wantRevoked(t, s, n, "revoked grant", rt.Hash, code.Hash)
	_, err = s.GetAccessToken(ctx, sat.Hash, n)
	noErr(t, "sibling grant's token", err)
}

// wantRevoked checks that a refresh token and a code of a revoked grant are
// refused without their issue callbacks ever running.
func wantRevoked(t *testing.T, s store.Store, n time.Time, what string, refreshHash, codeHash []byte) {
	t.Helper()
	ctx := t.Context()
	_, err := s.UseRefreshToken(ctx, refreshHash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Fatal(what + ": fn called for a refresh token of a revoked grant")
		return store.RefreshIssue{}, nil
	})
	wantErr(t, what+": UseRefreshToken", err, store.ErrNotFound)
	_, err = s.RedeemCode(ctx, codeHash, n, func(store.AuthCode) (store.CodeIssue, error) {
		t.Fatal(what + ": fn called for a code of a revoked grant")
		return store.CodeIssue{}, nil
	})
	if err == nil {
		t.Fatal(what + ": RedeemCode of a revoked grant succeeded")
	}
}

func testRevokeUserGrants(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s) // offline grant
	online := newGrant(f, []string{"openid"}, n)
	noErr(t, "CreateGrant online", s.CreateGrant(ctx, online))
	rt, at := f.refresh(n), f.access(n)
	noErr(t, "redeem", redeem(t, s, f.code(n), n, at, &rt))
	oat := f.access(n)
	oat.GrantID = online.ID
	noErr(t, "CreateAccessToken online", s.CreateAccessToken(ctx, oat))
	pending := f.code(n)
	noErr(t, "CreateCode pending", s.CreateCode(ctx, pending))
	other := newFixture(t, s)
	ort, oat2 := other.refresh(n), other.access(n)
	noErr(t, "redeem other user", redeem(t, s, other.code(n), n, oat2, &ort))
	cc := store.AccessToken{Hash: hash(), ClientID: f.client.ID, Scopes: []string{"read"}, Audience: "https://api.example",
		CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateAccessToken client_credentials", s.CreateAccessToken(ctx, cc))

	noErr(t, "RevokeUserGrants", s.RevokeUserGrants(ctx, f.user.ID, n))
	noErr(t, "RevokeUserGrants twice", s.RevokeUserGrants(ctx, f.user.ID, n))
	noErr(t, "RevokeUserGrants empty user", s.RevokeUserGrants(ctx, "", n))

	for name, h := range map[string][]byte{"offline grant's token": at.Hash, "online grant's token": oat.Hash} {
		_, err := s.GetAccessToken(ctx, h, n)
		wantErr(t, name, err, store.ErrNotFound)
	}
	wantRevoked(t, s, n, "RevokeUserGrants", rt.Hash, pending.Hash)
	// Nobody else's tokens, and no client_credentials token, are touched.
	_, err := s.GetAccessToken(ctx, oat2.Hash, n)
	noErr(t, "other user's token", err)
	_, err = s.GetAccessToken(ctx, cc.Hash, n)
	noErr(t, "client_credentials token", err)
}

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
	got, err := s.RedeemCode(ctx, code.Hash, redeemAt, func(c store.AuthCode) (store.CodeIssue, error) {
		calls++
		want := code
		want.ConsumedAt = redeemAt
		diff(t, "code passed to fn", want, c)
		return store.CodeIssue{AccessToken: at, RefreshToken: &rt}, nil
	})
	noErr(t, "RedeemCode", err)
	if calls != 1 {
		t.Fatalf("fn called %d times", calls)
	}
	want := code
	want.ConsumedAt = redeemAt
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

	_, err = s.RedeemCode(ctx, hash(), n, func(store.AuthCode) (store.CodeIssue, error) {
		t.Fatal("fn called for a missing code")
		return store.CodeIssue{}, nil
	})
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

	got, err := s.RedeemCode(ctx, code.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		t.Fatal("fn called on replay")
		return store.CodeIssue{}, nil
	})
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
	_, err = s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Fatal("fn called for a refresh token of a replayed code")
		return store.RefreshIssue{}, nil
	})
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
		return store.CodeIssue{AccessToken: at}, boom
	})
	wantErr(t, "RedeemCode fn error", err, boom)
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "access token after fn error", err, store.ErrNotFound)
	// The attempt burned the code: a second presentation is a replay.
	_, err = s.RedeemCode(ctx, code.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		t.Fatal("fn called for a burned code")
		return store.CodeIssue{}, nil
	})
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
		return store.CodeIssue{AccessToken: fresh, RefreshToken: &dup}, nil
	})
	wantErr(t, "RedeemCode with a duplicate refresh token", err, store.ErrAlreadyExists)
	_, err = s.GetAccessToken(ctx, fresh.Hash, n)
	wantErr(t, "access token of a failed issue", err, store.ErrNotFound)
	got, err := s.GetRefreshToken(ctx, takenRT.Hash)
	noErr(t, "GetRefreshToken", err)
	diff(t, "existing refresh token untouched", takenRT, got)
	_, err = s.RedeemCode(ctx, code2.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		t.Fatal("fn called for a burned code")
		return store.CodeIssue{}, nil
	})
	wantErr(t, "RedeemCode after failed issue", err, store.ErrReplayed)
}

func testCodeExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	code := f.code(n.Add(-time.Hour))
	noErr(t, "CreateCode", s.CreateCode(ctx, code))
	_, err := s.RedeemCode(ctx, code.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		t.Fatal("fn called for an expired code")
		return store.CodeIssue{}, nil
	})
	wantErr(t, "RedeemCode expired", err, store.ErrNotFound)
	g, err := s.GetGrant(ctx, f.grant.ID)
	noErr(t, "GetGrant", err)
	if !g.RevokedAt.IsZero() {
		t.Fatal("an expired code revoked its grant")
	}
}

func testRefreshTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	rt := f.refresh(n)
	noErr(t, "redeem", redeem(t, s, f.code(n), n, f.access(n), &rt))
	_, err := s.GetRefreshToken(ctx, hash())
	wantErr(t, "GetRefreshToken missing", err, store.ErrNotFound)

	// Refresh without rotation: the token stays usable.
	at1 := f.access(n)
	got, err := s.UseRefreshToken(ctx, rt.Hash, n, func(tok store.RefreshToken, g store.Grant) (store.RefreshIssue, error) {
		diff(t, "token passed to fn", rt, tok)
		diff(t, "grant passed to fn", f.grant, g)
		return store.RefreshIssue{AccessToken: at1}, nil
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
		return store.RefreshIssue{AccessToken: at2, Rotate: &next}, nil
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
		return store.RefreshIssue{AccessToken: f.access(n)}, nil
	})
	noErr(t, "UseRefreshToken new token", err)

	_, err = s.UseRefreshToken(ctx, hash(), n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Fatal("fn called for a missing token")
		return store.RefreshIssue{}, nil
	})
	wantErr(t, "UseRefreshToken missing", err, store.ErrNotFound)
}

func testRefreshReplay(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	rt := f.refresh(n)
	noErr(t, "redeem", redeem(t, s, f.code(n), n, f.access(n), &rt))
	next := f.refresh(n)
	at := f.access(n)
	_, err := s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{AccessToken: at, Rotate: &next}, nil
	})
	noErr(t, "rotate", err)

	_, err = s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Fatal("fn called on replay")
		return store.RefreshIssue{}, nil
	})
	wantErr(t, "UseRefreshToken replay", err, store.ErrReplayed)
	g, err := s.GetGrant(ctx, f.grant.ID)
	noErr(t, "GetGrant", err)
	if g.RevokedAt.IsZero() {
		t.Fatal("grant not revoked after refresh replay")
	}
	_, err = s.UseRefreshToken(ctx, next.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Fatal("fn called for the successor of a replayed token")
		return store.RefreshIssue{}, nil
	})
	wantErr(t, "successor after replay", err, store.ErrNotFound)
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "access token after replay", err, store.ErrNotFound)
}

func testRefreshCallbackError(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	rt := f.refresh(n)
	noErr(t, "redeem", redeem(t, s, f.code(n), n, f.access(n), &rt))
	boom := errors.New("scope widened")
	at := f.access(n)
	next := f.refresh(n)
	_, err := s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{AccessToken: at, Rotate: &next}, boom
	})
	wantErr(t, "UseRefreshToken fn error", err, boom)
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "access token after fn error", err, store.ErrNotFound)
	_, err = s.GetRefreshToken(ctx, next.Hash)
	wantErr(t, "rotated token after fn error", err, store.ErrNotFound)
	// Nothing was consumed: the token still works.
	_, err = s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{AccessToken: f.access(n)}, nil
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
	_, err := s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Fatal("fn called for an expired token")
		return store.RefreshIssue{}, nil
	})
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
	_, err = s.UseRefreshToken(ctx, rt2.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Fatal("fn called for a token of an expired grant")
		return store.RefreshIssue{}, nil
	})
	wantErr(t, "UseRefreshToken expired grant", err, store.ErrNotFound)
}

func testAccessTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	at := f.access(n)
	noErr(t, "CreateAccessToken", s.CreateAccessToken(ctx, at))
	wantErr(t, "CreateAccessToken duplicate", s.CreateAccessToken(ctx, at), store.ErrAlreadyExists)
	got, err := s.GetAccessToken(ctx, at.Hash, n)
	noErr(t, "GetAccessToken", err)
	diff(t, "access token", at, got)

	// client_credentials: no grant, no user.
	cc := store.AccessToken{Hash: hash(), ClientID: f.client.ID, Scopes: []string{"read:x"}, Audience: "https://api.example",
		CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateAccessToken client_credentials", s.CreateAccessToken(ctx, cc))
	got, err = s.GetAccessToken(ctx, cc.Hash, n)
	noErr(t, "GetAccessToken client_credentials", err)
	diff(t, "client_credentials token", cc, got)

	_, err = s.GetAccessToken(ctx, at.Hash, at.ExpiresAt)
	wantErr(t, "GetAccessToken at expiry", err, store.ErrNotFound)
	_, err = s.GetAccessToken(ctx, hash(), n)
	wantErr(t, "GetAccessToken missing", err, store.ErrNotFound)

	noErr(t, "RevokeAccessToken", s.RevokeAccessToken(ctx, at.Hash, n))
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "GetAccessToken revoked", err, store.ErrNotFound)
	noErr(t, "RevokeAccessToken twice", s.RevokeAccessToken(ctx, at.Hash, n))
	wantErr(t, "RevokeAccessToken missing", s.RevokeAccessToken(ctx, hash(), n), store.ErrNotFound)
	_, err = s.GetAccessToken(ctx, cc.Hash, n)
	noErr(t, "other token unaffected", err)

	// Revoking a grant must not touch grant-less tokens.
	noErr(t, "RevokeGrant", s.RevokeGrant(ctx, f.grant.ID, n))
	_, err = s.GetAccessToken(ctx, cc.Hash, n)
	noErr(t, "client_credentials token after RevokeGrant", err)

	// A token written after its grant was revoked (an issue racing a
	// revocation) is still unusable, as is one of an expired or unknown grant.
	late := f.access(n)
	noErr(t, "CreateAccessToken for revoked grant", s.CreateAccessToken(ctx, late))
	_, err = s.GetAccessToken(ctx, late.Hash, n)
	wantErr(t, "token of a revoked grant", err, store.ErrNotFound)
	eg := newGrant(f, []string{"openid"}, n.Add(-2*time.Hour))
	eg.ExpiresAt = n.Add(-time.Hour)
	noErr(t, "CreateGrant expired", s.CreateGrant(ctx, eg))
	et := f.access(n)
	et.GrantID = eg.ID
	noErr(t, "CreateAccessToken for expired grant", s.CreateAccessToken(ctx, et))
	_, err = s.GetAccessToken(ctx, et.Hash, n)
	wantErr(t, "token of an expired grant", err, store.ErrNotFound)
	ut := f.access(n)
	ut.GrantID = "no-such-grant"
	noErr(t, "CreateAccessToken for unknown grant", s.CreateAccessToken(ctx, ut))
	_, err = s.GetAccessToken(ctx, ut.Hash, n)
	wantErr(t, "token of an unknown grant", err, store.ErrNotFound)
}

func testThrottle(t *testing.T, s store.Store) {
	ctx := t.Context()
	const window = time.Minute
	// Start of a window, so the test does not straddle two.
	base := time.Unix(1_800_000_000, 0).Truncate(window)
	end := base.Add(window)
	for i := range 3 {
		ok, _, err := s.ReserveAttempt(ctx, "user:1", 3, window, base.Add(time.Duration(i)*time.Second))
		noErr(t, "ReserveAttempt", err)
		if !ok {
			t.Fatalf("attempt %d refused under the limit", i+1)
		}
	}
	ok, retry, err := s.ReserveAttempt(ctx, "user:1", 3, window, base.Add(10*time.Second))
	noErr(t, "ReserveAttempt", err)
	if ok {
		t.Fatal("4th attempt allowed with limit 3")
	}
	if !retry.Equal(end) {
		t.Fatalf("retryAt = %v, want end of window %v", retry, end)
	}
	// CheckAttempts reads the same state without taking a slot.
	if ok, retry, err := s.CheckAttempts(ctx, "user:1", 3, window, base.Add(11*time.Second)); err != nil || ok || !retry.Equal(end) {
		t.Fatalf("CheckAttempts at the limit = %v, %v, %v; want false, %v", ok, retry, err, end)
	}
	if ok, _, err := s.CheckAttempts(ctx, "user:1", 4, window, base.Add(11*time.Second)); err != nil || !ok {
		t.Fatalf("CheckAttempts under a higher limit = %v, %v", ok, err)
	}
	if ok, _, err := s.CheckAttempts(ctx, "user:1", 3, window, end); err != nil || !ok {
		t.Fatalf("CheckAttempts in the next window = %v, %v", ok, err)
	}
	for range 5 {
		if ok, _, err := s.CheckAttempts(ctx, "ip:192.0.2.9", 1, window, base); err != nil || !ok {
			t.Fatalf("CheckAttempts on an unknown key = %v, %v", ok, err)
		}
	}
	ok, _, err = s.ReserveAttempt(ctx, "ip:192.0.2.1", 3, window, base.Add(10*time.Second))
	noErr(t, "ReserveAttempt other key", err)
	if !ok {
		t.Fatal("other key refused")
	}
	// Next window.
	ok, _, err = s.ReserveAttempt(ctx, "user:1", 3, window, end)
	noErr(t, "ReserveAttempt next window", err)
	if !ok {
		t.Fatal("attempt refused in a new window")
	}
	// Reset.
	for range 2 {
		_, _, err = s.ReserveAttempt(ctx, "user:1", 3, window, end)
		noErr(t, "ReserveAttempt", err)
	}
	ok, _, _ = s.ReserveAttempt(ctx, "user:1", 3, window, end)
	if ok {
		t.Fatal("limit not enforced in the second window")
	}
	noErr(t, "ResetAttempts", s.ResetAttempts(ctx, "user:1"))
	ok, _, err = s.ReserveAttempt(ctx, "user:1", 3, window, end)
	noErr(t, "ReserveAttempt after reset", err)
	if !ok {
		t.Fatal("attempt refused after ResetAttempts")
	}
	noErr(t, "ResetAttempts missing key", s.ResetAttempts(ctx, "nobody"))
	testReleaseAttempt(t, s)
}

// testReleaseAttempt: a released slot can be taken again in its window,
// is never credited to a later window, and a count never goes below zero.
func testReleaseAttempt(t *testing.T, s store.Store) {
	ctx := t.Context()
	const window = time.Minute
	base := time.Unix(1_800_000_000, 0).Truncate(window)
	reserve := func(at time.Time) bool {
		t.Helper()
		ok, _, err := s.ReserveAttempt(ctx, "ip:rel", 2, window, at)
		noErr(t, "ReserveAttempt", err)
		return ok
	}
	if !reserve(base) || !reserve(base.Add(time.Second)) || reserve(base.Add(2*time.Second)) {
		t.Fatal("limit 2 not enforced before any release")
	}
	noErr(t, "ReleaseAttempt", s.ReleaseAttempt(ctx, "ip:rel", window, base.Add(3*time.Second)))
	if !reserve(base.Add(4 * time.Second)) {
		t.Fatal("slot not given back by ReleaseAttempt")
	}
	if reserve(base.Add(5 * time.Second)) {
		t.Fatal("ReleaseAttempt gave back more than one slot")
	}
	// A slot taken in the previous window is not credited to this one.
	next := base.Add(window)
	for i := range 2 {
		if !reserve(next) {
			t.Fatalf("new window refused slot %d", i+1)
		}
	}
	noErr(t, "ReleaseAttempt of an earlier window", s.ReleaseAttempt(ctx, "ip:rel", window, base.Add(6*time.Second)))
	if reserve(next) {
		t.Fatal("a release from the previous window raised this window's budget")
	}
	// Never below zero: extra releases do not bank slots.
	for range 5 {
		noErr(t, "ReleaseAttempt", s.ReleaseAttempt(ctx, "ip:rel", window, next))
	}
	for i := range 2 {
		if !reserve(next) {
			t.Fatalf("slot %d of the window refused after the releases", i+1)
		}
	}
	if reserve(next) {
		t.Fatal("releases below zero banked extra slots")
	}
	noErr(t, "ReleaseAttempt missing key", s.ReleaseAttempt(ctx, "nobody", window, next))
	if ok, _, err := s.CheckAttempts(ctx, "nobody", 1, window, next); err != nil || !ok {
		t.Fatalf("ReleaseAttempt created a row for a missing key: %v, %v", ok, err)
	}
}

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
	noErr(t, "key retired+expired", s.CreateKey(ctx, store.SigningKey{ID: "k-old", Alg: "ES384", PrivateKey: []byte("x"),
		CreatedAt: past.Add(-48 * time.Hour), ActivatesAt: past.Add(-48 * time.Hour), RetiredAt: past.Add(-24 * time.Hour), ExpiresAt: past}))
	noErr(t, "key retired, still published", s.CreateKey(ctx, store.SigningKey{ID: "k-retired", Alg: "ES384", PrivateKey: []byte("x"),
		CreatedAt: past, ActivatesAt: past, RetiredAt: past, ExpiresAt: n.Add(time.Hour)}))
	noErr(t, "key active", s.CreateKey(ctx, store.SigningKey{ID: "k-active", Alg: "ES384", PrivateKey: []byte("x"),
		CreatedAt: n, ActivatesAt: n}))
	noErr(t, "live auth request", s.CreateAuthRequest(ctx, store.AuthRequest{ID: "new", CreatedAt: n, ExpiresAt: n.Add(time.Hour)}))

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
	_, err = s.GetGrant(ctx, f.grant.ID)
	noErr(t, "live grant after GC", err)
	_, err = s.RedeemCode(ctx, oldCode.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		t.Fatal("fn called for a collected code")
		return store.CodeIssue{}, nil
	})
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

func redeemExisting(t *testing.T, s store.Store, code store.AuthCode, n time.Time, at store.AccessToken) error {
	t.Helper()
	_, err := s.RedeemCode(t.Context(), code.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		return store.CodeIssue{AccessToken: at}, nil
	})
	return err
}
