package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	x := store.Session{IDHash: hash(), SID: "sid1", UserID: "u1", AuthTime: n.Add(-time.Minute), CreatedAt: n, ExpiresAt: n.Add(time.Hour), LastSeenAt: n,
		AMR: []string{"pwd", "hwk", "mfa"}}
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

	// A step-up is recorded on the session and read back with it.
	noErr(t, "SetSessionReauth", s.SetSessionReauth(ctx, x.IDHash, n.Add(3*time.Minute)))
	got, err = s.GetSession(ctx, x.IDHash)
	noErr(t, "GetSession after reauth", err)
	x.ReauthAt = n.Add(3 * time.Minute)
	diff(t, "re-authenticated session", x, got)
	wantErr(t, "SetSessionReauth missing", s.SetSessionReauth(ctx, hash(), n), store.ErrNotFound)

	// A session that ended less than store.ClockSkew ago may come from a
	// replica whose clock is behind: still visible. Older ones are not.
	recent := store.Session{IDHash: hash(), SID: "sid3", UserID: "u1", AuthTime: n, CreatedAt: n.Add(-2 * time.Hour), ExpiresAt: n.Add(-time.Second)}
	noErr(t, "CreateSession just ended", s.CreateSession(ctx, recent))
	_, err = s.GetSession(ctx, recent.IDHash)
	noErr(t, "GetSession within the clock skew", err)
	expired := store.Session{IDHash: hash(), SID: "sid2", UserID: "u1", AuthTime: n, CreatedAt: n.Add(-2 * time.Hour), ExpiresAt: n.Add(-store.ClockSkew - time.Second)}
	noErr(t, "CreateSession expired", s.CreateSession(ctx, expired))
	_, err = s.GetSession(ctx, expired.IDHash)
	wantErr(t, "GetSession expired", err, store.ErrNotFound)

	noErr(t, "DeleteSession", s.DeleteSession(ctx, x.IDHash))
	_, err = s.GetSession(ctx, x.IDHash)
	wantErr(t, "GetSession after delete", err, store.ErrNotFound)
	noErr(t, "DeleteSession twice (idempotent)", s.DeleteSession(ctx, x.IDHash))
}

// testSessionUser: GetSessionUser returns what GetSession and GetUser do,
// with the second factors GetTOTP and CountPasskeys would find, and
// ErrNotFound when either is missing or the session has expired.
func testSessionUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	noErr(t, "CreateUser", s.CreateUser(ctx, store.User{ID: "su1", Username: "session-user", Email: "su@example.com", Name: "Session User",
		CustomData: map[string]any{"k": "v"}, CreatedAt: n, UpdatedAt: n}))
	wantUser, err := s.GetUser(ctx, "su1")
	noErr(t, "GetUser", err)
	x := store.Session{IDHash: hash(), SID: "sid-su1", UserID: "su1", AuthTime: n.Add(-time.Minute), CreatedAt: n, ExpiresAt: n.Add(time.Hour),
		LastSeenAt: n, AMR: []string{"pwd"}, ReauthAt: n.Add(time.Second)}
	noErr(t, "CreateSession", s.CreateSession(ctx, x))
	gotSession, gotUser, err := s.GetSessionUser(ctx, x.IDHash)
	noErr(t, "GetSessionUser", err)
	diff(t, "session", x, gotSession)
	wantUser.SecondFactors = &store.SecondFactors{}
	diff(t, "user", wantUser, gotUser)

	// Each factor, on its own and together; another user's count for
	// nothing.
	other := store.User{ID: "su2", Username: "session-user-2", CreatedAt: n, UpdatedAt: n}
	noErr(t, "CreateUser other", s.CreateUser(ctx, other))
	noErr(t, "CreateTOTP other", s.CreateTOTP(ctx, store.TOTP{UserID: other.ID, Secret: hash(), CreatedAt: n}))
	noErr(t, "CreatePasskey other", s.CreatePasskey(ctx, newPasskey(other.ID, n)))
	factors := func(step string) store.SecondFactors {
		t.Helper()
		_, u, err := s.GetSessionUser(ctx, x.IDHash)
		noErr(t, "GetSessionUser "+step, err)
		if u.SecondFactors == nil {
			t.Fatalf("GetSessionUser %s: SecondFactors not set", step)
		}
		return *u.SecondFactors
	}
	diff(t, "factors, another user's enrolled", store.SecondFactors{}, factors("another user's enrolled"))
	noErr(t, "CreateTOTP", s.CreateTOTP(ctx, store.TOTP{UserID: "su1", Secret: hash(), CreatedAt: n}))
	diff(t, "factors, TOTP", store.SecondFactors{TOTP: true}, factors("TOTP"))
	pk := newPasskey("su1", n)
	noErr(t, "CreatePasskey", s.CreatePasskey(ctx, pk))
	diff(t, "factors, TOTP and passkey", store.SecondFactors{TOTP: true, Passkey: true}, factors("TOTP and passkey"))
	noErr(t, "DeleteTOTP", s.DeleteTOTP(ctx, "su1"))
	diff(t, "factors, passkey", store.SecondFactors{Passkey: true}, factors("passkey"))
	noErr(t, "DeletePasskey", s.DeletePasskey(ctx, "su1", pk.ID))
	diff(t, "factors, none again", store.SecondFactors{}, factors("none again"))

	_, _, err = s.GetSessionUser(ctx, hash())
	wantErr(t, "GetSessionUser missing session", err, store.ErrNotFound)
	ghost := store.Session{IDHash: hash(), SID: "sid-ghost", UserID: "nobody", AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(time.Hour), LastSeenAt: n}
	noErr(t, "CreateSession of a missing user", s.CreateSession(ctx, ghost))
	_, _, err = s.GetSessionUser(ctx, ghost.IDHash)
	wantErr(t, "GetSessionUser missing user", err, store.ErrNotFound)
	expired := store.Session{IDHash: hash(), SID: "sid-su1-old", UserID: "su1", AuthTime: n, CreatedAt: n.Add(-2 * time.Hour),
		ExpiresAt: n.Add(-store.ClockSkew - time.Second)}
	noErr(t, "CreateSession expired", s.CreateSession(ctx, expired))
	_, _, err = s.GetSessionUser(ctx, expired.IDHash)
	wantErr(t, "GetSessionUser expired", err, store.ErrNotFound)
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

// testListUserSessions: live sessions only, newest first, each with the
// apps holding a live grant from it (one entry per app, sorted); other
// users' sessions and grants never show.
func testListUserSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s, "openid")
	other := newFixture(t, s, "openid")
	second := store.Client{ID: "b-" + id(), Name: "second", Type: store.AppSPA, CreatedAt: n}
	third := store.Client{ID: "a-" + id(), Name: "third", Type: store.AppSPA, CreatedAt: n}
	noErr(t, "CreateClient", s.CreateClient(ctx, second))
	noErr(t, "CreateClient", s.CreateClient(ctx, third))
	// Two more grants from f's session: another app, and the same app again.
	g2 := newGrant(f, []string{"openid"}, n)
	g2.ClientID = second.ID
	noErr(t, "CreateGrant", s.CreateGrant(ctx, g2))
	noErr(t, "CreateGrant", s.CreateGrant(ctx, newGrant(f, []string{"openid"}, n)))
	// A revoked and an expired grant from it do not count.
	revoked := newGrant(f, []string{"openid"}, n)
	revoked.ClientID, revoked.RevokedAt = third.ID, n
	noErr(t, "CreateGrant", s.CreateGrant(ctx, revoked))
	expired := newGrant(f, []string{"openid"}, n.Add(-2*time.Hour))
	expired.ClientID, expired.ExpiresAt = third.ID, n.Add(-time.Hour)
	noErr(t, "CreateGrant", s.CreateGrant(ctx, expired))
	// A newer session with no grant, and an expired one.
	newer := store.Session{IDHash: hash(), SID: id(), UserID: f.user.ID, AuthTime: n, CreatedAt: n.Add(time.Minute),
		LastSeenAt: n.Add(2 * time.Minute), ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateSession", s.CreateSession(ctx, newer))
	noErr(t, "CreateSession", s.CreateSession(ctx, store.Session{IDHash: hash(), SID: id(), UserID: f.user.ID,
		AuthTime: n, CreatedAt: n.Add(-2 * time.Hour), ExpiresAt: n.Add(-time.Second)}))

	got, err := s.ListUserSessions(ctx, f.user.ID, n)
	noErr(t, "ListUserSessions", err)
	apps := []string{f.client.ID, second.ID}
	slices.Sort(apps)
	want := []store.UserSession{
		{SID: newer.SID, CreatedAt: newer.CreatedAt, LastSeenAt: newer.LastSeenAt, ExpiresAt: newer.ExpiresAt},
		{SID: f.session.SID, CreatedAt: f.session.CreatedAt, ExpiresAt: f.session.ExpiresAt, ClientIDs: apps},
	}
	diff(t, "ListUserSessions", want, got)

	none, err := s.ListUserSessions(ctx, "nobody", n)
	noErr(t, "ListUserSessions of nobody", err)
	if len(none) != 0 {
		t.Fatalf("sessions of an unknown user: %+v", none)
	}
	theirs, err := s.ListUserSessions(ctx, other.user.ID, n)
	noErr(t, "ListUserSessions other", err)
	if len(theirs) != 1 || !slices.Equal(theirs[0].ClientIDs, []string{other.client.ID}) {
		t.Fatalf("other user's sessions: %+v", theirs)
	}
	noErr(t, "DeleteUserSessions", s.DeleteUserSessions(ctx, f.user.ID))
	after, err := s.ListUserSessions(ctx, f.user.ID, n)
	noErr(t, "ListUserSessions after ending them", err)
	if len(after) != 0 {
		t.Fatalf("sessions after DeleteUserSessions: %+v", after)
	}
}

// testDeleteUserSession: one session ends by its public id, and only for
// its own user.
func testDeleteUserSession(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	a := store.Session{IDHash: hash(), SID: id(), UserID: "u1", AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(time.Hour), LastSeenAt: n}
	b := store.Session{IDHash: hash(), SID: id(), UserID: "u1", AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(time.Hour), LastSeenAt: n}
	noErr(t, "CreateSession a", s.CreateSession(ctx, a))
	noErr(t, "CreateSession b", s.CreateSession(ctx, b))
	wantErr(t, "DeleteUserSession of another user", s.DeleteUserSession(ctx, "u2", a.SID), store.ErrNotFound)
	wantErr(t, "DeleteUserSession unknown", s.DeleteUserSession(ctx, "u1", "no-such-sid"), store.ErrNotFound)
	wantErr(t, "DeleteUserSession empty", s.DeleteUserSession(ctx, "u1", ""), store.ErrNotFound)
	_, err := s.GetSession(ctx, a.IDHash)
	noErr(t, "GetSession a after refused deletes", err)
	noErr(t, "DeleteUserSession", s.DeleteUserSession(ctx, "u1", a.SID))
	_, err = s.GetSession(ctx, a.IDHash)
	wantErr(t, "GetSession a after delete", err, store.ErrNotFound)
	_, err = s.GetSession(ctx, b.IDHash)
	noErr(t, "GetSession b (untouched)", err)
}
