package storetest

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

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
