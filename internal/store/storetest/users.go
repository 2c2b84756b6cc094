package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	alice := store.User{ID: "u1", Username: "alice", Email: "alice@example.com", Phone: "+15550100",
		Name: "Alice", Picture: "https://img.example/a.png", PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		CreatedAt: n, UpdatedAt: n, LastSignInAt: n.Add(time.Minute), EmailVerified: true, PhoneVerified: true}
	bob := store.User{ID: "u2", Email: "bob@example.com", Suspended: true, CreatedAt: n.Add(time.Second), UpdatedAt: n}

	_, err := s.GetUser(ctx, "u1")
	wantErr(t, "GetUser before create", err, store.ErrNotFound)
	noErr(t, "CreateUser alice", s.CreateUser(ctx, alice))
	noErr(t, "CreateUser bob", s.CreateUser(ctx, bob))
	wantErr(t, "CreateUser duplicate id", s.CreateUser(ctx, store.User{ID: "u1", Username: "other", CreatedAt: n}), store.ErrAlreadyExists)

	got, err := s.GetUser(ctx, "u1")
	noErr(t, "GetUser", err)
	diff(t, "GetUser alice", alice, got)
	got, err = s.GetUser(ctx, "u2")
	noErr(t, "GetUser", err)
	diff(t, "GetUser bob (zero LastSignInAt)", bob, got)
	if !got.LastSignInAt.IsZero() {
		t.Fatalf("zero LastSignInAt came back as %v", got.LastSignInAt)
	}

	for login, want := range map[string]string{"alice": "u1", "alice@example.com": "u1", "bob@example.com": "u2"} {
		got, err := s.GetUserByLogin(ctx, login)
		noErr(t, "GetUserByLogin "+login, err)
		if got.ID != want {
			t.Fatalf("GetUserByLogin(%q) = %s, want %s", login, got.ID, want)
		}
	}
	for _, login := range []string{"", "Alice", "ALICE@example.com", "carol", "alic"} {
		_, err := s.GetUserByLogin(ctx, login)
		wantErr(t, "GetUserByLogin "+login, err, store.ErrNotFound)
	}

	list, err := s.ListUsers(ctx)
	noErr(t, "ListUsers", err)
	diff(t, "ListUsers", []store.User{alice, bob}, list)
}

func testUserUniqueness(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	noErr(t, "CreateUser", s.CreateUser(ctx, store.User{ID: "a", Username: "alice", Email: "a@example.com", CreatedAt: n}))
	wantErr(t, "same username", s.CreateUser(ctx, store.User{ID: "b", Username: "alice", CreatedAt: n}), store.ErrAlreadyExists)
	wantErr(t, "same email", s.CreateUser(ctx, store.User{ID: "c", Email: "a@example.com", CreatedAt: n}), store.ErrAlreadyExists)
	// Empty username or email never clashes.
	noErr(t, "empty email 1", s.CreateUser(ctx, store.User{ID: "d", Username: "dave", CreatedAt: n}))
	noErr(t, "empty email 2", s.CreateUser(ctx, store.User{ID: "e", Username: "erin", CreatedAt: n}))
	noErr(t, "empty username 1", s.CreateUser(ctx, store.User{ID: "f", Email: "f@example.com", CreatedAt: n}))
	noErr(t, "empty username 2", s.CreateUser(ctx, store.User{ID: "g", Email: "g@example.com", CreatedAt: n}))
	list, err := s.ListUsers(ctx)
	noErr(t, "ListUsers", err)
	if len(list) != 5 {
		t.Fatalf("ListUsers: %d users, want 5", len(list))
	}
}

func testUpdateUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	u := store.User{ID: "u1", Username: "alice", Email: "alice@example.com", CreatedAt: n, UpdatedAt: n}
	noErr(t, "CreateUser", s.CreateUser(ctx, u))
	noErr(t, "CreateUser 2", s.CreateUser(ctx, store.User{ID: "u2", Username: "bob", Email: "bob@example.com", CreatedAt: n}))

	later := n.Add(time.Hour)
	got, err := s.UpdateUser(ctx, "u1", func(old store.User) (store.User, error) {
		diff(t, "UpdateUser fn input", u, old)
		old.Name = "Alice A."
		old.Suspended = true
		old.UpdatedAt = later
		old.LastSignInAt = later
		old.EmailVerified = true
		old.ID = "ignored" // the ID cannot change
		return old, nil
	})
	noErr(t, "UpdateUser", err)
	want := u
	want.Name, want.Suspended, want.UpdatedAt, want.LastSignInAt, want.EmailVerified = "Alice A.", true, later, later, true
	diff(t, "UpdateUser result", want, got)
	got, err = s.GetUser(ctx, "u1")
	noErr(t, "GetUser", err)
	diff(t, "GetUser after update", want, got)

	boom := errors.New("boom")
	_, err = s.UpdateUser(ctx, "u1", func(old store.User) (store.User, error) {
		old.Name = "should not be stored"
		return old, boom
	})
	wantErr(t, "UpdateUser fn error", err, boom)
	got, err = s.GetUser(ctx, "u1")
	noErr(t, "GetUser", err)
	diff(t, "user after failed update", want, got)

	_, err = s.UpdateUser(ctx, "u1", func(old store.User) (store.User, error) {
		old.Email = "bob@example.com"
		return old, nil
	})
	wantErr(t, "UpdateUser email clash", err, store.ErrAlreadyExists)
	_, err = s.UpdateUser(ctx, "nope", func(old store.User) (store.User, error) {
		t.Error("fn called for a missing user")
		return old, nil
	})
	wantErr(t, "UpdateUser missing", err, store.ErrNotFound)
	// A freed username can be taken.
	_, err = s.UpdateUser(ctx, "u2", func(old store.User) (store.User, error) {
		old.Username = "robert"
		return old, nil
	})
	noErr(t, "rename bob", err)
	noErr(t, "reuse freed username", s.CreateUser(ctx, store.User{ID: "u3", Username: "bob", CreatedAt: n}))
}

func testDeleteUserCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	other := newFixture(t, s)
	rt := f.refresh(n)
	at := f.access(n)
	noErr(t, "redeem", redeem(t, s, f.code(n), n, at, &rt))
	noErr(t, "PutConsent", s.PutConsent(ctx, store.Consent{UserID: f.user.ID, ClientID: f.client.ID, CreatedAt: n}))
	oat := other.access(n)
	noErr(t, "CreateAccessToken other", s.CreateAccessToken(ctx, oat))

	noErr(t, "DeleteUser", s.DeleteUser(ctx, f.user.ID))
	_, err := s.GetUser(ctx, f.user.ID)
	wantErr(t, "GetUser after delete", err, store.ErrNotFound)
	_, err = s.GetSession(ctx, f.session.IDHash)
	wantErr(t, "GetSession after DeleteUser", err, store.ErrNotFound)
	if g, err := s.GetGrant(ctx, f.grant.ID); err == nil && g.RevokedAt.IsZero() {
		t.Fatalf("grant of deleted user still live: %+v", g)
	}
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "GetAccessToken after DeleteUser", err, store.ErrNotFound)
	err = useRefreshRefused(t, s, rt.Hash, n, "for a token of a deleted user")
	wantErr(t, "UseRefreshToken after DeleteUser", err, store.ErrNotFound)
	_, err = s.GetConsent(ctx, f.user.ID, f.client.ID)
	wantErr(t, "GetConsent after DeleteUser", err, store.ErrNotFound)
	wantErr(t, "DeleteUser twice", s.DeleteUser(ctx, f.user.ID), store.ErrNotFound)

	_, err = s.GetAccessToken(ctx, oat.Hash, n)
	noErr(t, "other user's token", err)
	_, err = s.GetSession(ctx, other.session.IDHash)
	noErr(t, "other user's session", err)
	_, err = s.GetClient(ctx, f.client.ID)
	noErr(t, "client survives DeleteUser", err)
}

// signedInUser is a user with two sessions, an offline grant (redeemed
// into a refresh and an access token), an online grant with an access
// token, and a pending code; other is another user, signed in likewise.
type signedInUser struct {
	f, other     fixture
	second       store.Session
	rt, ort      store.RefreshToken
	at, oat, at2 store.AccessToken
	pending      store.AuthCode
	online       store.Grant
}

func newSignedInUser(t *testing.T, s store.Store, n time.Time) signedInUser {
	ctx := t.Context()
	u := signedInUser{f: newFixture(t, s), other: newFixture(t, s)}
	u.second = store.Session{IDHash: hash(), SID: id(), UserID: u.f.user.ID, AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateSession second", s.CreateSession(ctx, u.second))
	u.online = newGrant(u.f, []string{"openid"}, n)
	u.online.SID = u.second.SID
	noErr(t, "CreateGrant online", s.CreateGrant(ctx, u.online))
	u.rt, u.at = u.f.refresh(n), u.f.access(n)
	noErr(t, "redeem", redeem(t, s, u.f.code(n), n, u.at, &u.rt))
	u.at2 = u.f.access(n)
	u.at2.GrantID = u.online.ID
	noErr(t, "CreateAccessToken online", s.CreateAccessToken(ctx, u.at2))
	u.pending = u.f.code(n)
	noErr(t, "CreateCode pending", s.CreateCode(ctx, u.pending))
	u.ort, u.oat = u.other.refresh(n), u.other.access(n)
	noErr(t, "redeem other", redeem(t, s, u.other.code(n), n, u.oat, &u.ort))
	return u
}

// wantSignedOut checks that every session of the user is gone and every
// grant revoked with its tokens, and that the other user kept theirs.
func (u signedInUser) wantSignedOut(t *testing.T, s store.Store, n time.Time, what string) {
	t.Helper()
	ctx := t.Context()
	for _, sess := range []store.Session{u.f.session, u.second} {
		_, err := s.GetSession(ctx, sess.IDHash)
		wantErr(t, what+": GetSession", err, store.ErrNotFound)
	}
	for _, g := range []store.Grant{u.f.grant, u.online} {
		if got, err := s.GetGrant(ctx, g.ID); err != nil || got.RevokedAt.IsZero() {
			t.Fatalf("%s: grant %s not revoked: %+v %v", what, g.ID, got, err)
		}
	}
	for _, at := range []store.AccessToken{u.at, u.at2} {
		_, err := s.GetAccessToken(ctx, at.Hash, n)
		wantErr(t, what+": GetAccessToken", err, store.ErrNotFound)
	}
	wantRevoked(t, s, n, what, u.rt.Hash, u.pending.Hash)
	u.wantOtherUntouched(t, s, n, what)
}

func (u signedInUser) wantOtherUntouched(t *testing.T, s store.Store, n time.Time, what string) {
	t.Helper()
	ctx := t.Context()
	_, err := s.GetSession(ctx, u.other.session.IDHash)
	noErr(t, what+": other user's session", err)
	_, err = s.GetAccessToken(ctx, u.oat.Hash, n)
	noErr(t, what+": other user's token", err)
	_, err = s.GetRefreshToken(ctx, u.ort.Hash)
	noErr(t, what+": other user's refresh token", err)
}

// testSuspendUser: suspending sets the flag and, in the same call, ends
// every session and revokes every grant, offline ones included;
// unsuspending clears the flag and revives nothing.
func testSuspendUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	u := newSignedInUser(t, s, n)
	later := n.Add(time.Minute)

	got, err := s.SuspendUser(ctx, u.f.user.ID, true, later)
	noErr(t, "SuspendUser", err)
	if !got.Suspended || !got.UpdatedAt.Equal(later) || got.Username != u.f.user.Username {
		t.Fatalf("SuspendUser returned %+v", got)
	}
	stored, err := s.GetUser(ctx, u.f.user.ID)
	noErr(t, "GetUser", err)
	diff(t, "stored user after SuspendUser", got, stored)
	u.wantSignedOut(t, s, later, "SuspendUser")

	got, err = s.SuspendUser(ctx, u.f.user.ID, false, later.Add(time.Minute))
	noErr(t, "unsuspend", err)
	if got.Suspended {
		t.Fatalf("unsuspended user still suspended: %+v", got)
	}
	u.wantSignedOut(t, s, later, "after unsuspending") // nothing revived

	_, err = s.SuspendUser(ctx, "nobody", true, later)
	wantErr(t, "SuspendUser missing user", err, store.ErrNotFound)
	u.wantOtherUntouched(t, s, later, "SuspendUser missing user")
}

// testUnsuspendKeepsSessions: unsuspending touches only the flag.
func testUnsuspendKeepsSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	u := newSignedInUser(t, s, n)
	got, err := s.SuspendUser(ctx, u.f.user.ID, false, n)
	noErr(t, "SuspendUser false", err)
	if got.Suspended {
		t.Fatalf("got %+v", got)
	}
	_, err = s.GetSession(ctx, u.f.session.IDHash)
	noErr(t, "session after unsuspending an active user", err)
	_, err = s.GetAccessToken(ctx, u.at.Hash, n)
	noErr(t, "token after unsuspending an active user", err)
}

// testSetUserPassword: the new hash is stored and, in the same call, the
// user is signed out everywhere.
func testSetUserPassword(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	u := newSignedInUser(t, s, n)
	later := n.Add(time.Minute)
	const newHash = "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$bmV3aGFzaA"
	noErr(t, "SetUserPassword", s.SetUserPassword(ctx, u.f.user.ID, newHash, later))
	got, err := s.GetUser(ctx, u.f.user.ID)
	noErr(t, "GetUser", err)
	if got.PasswordHash != newHash || !got.UpdatedAt.Equal(later) || got.Suspended {
		t.Fatalf("user after SetUserPassword: %+v", got)
	}
	u.wantSignedOut(t, s, later, "SetUserPassword")
	wantErr(t, "SetUserPassword missing user", s.SetUserPassword(ctx, "nobody", newHash, later), store.ErrNotFound)
	u.wantOtherUntouched(t, s, later, "SetUserPassword missing user")
}

// testUserProfileData: custom data and profile are stored whole, read
// back as written, replaced by UpdateUser, and empty reads back as empty.
func testUserProfileData(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	u := store.User{ID: id(), Username: "p-" + id(), CreatedAt: n, UpdatedAt: n,
		CustomData: map[string]any{"plan": "pro", "seats": float64(3), "tags": []any{"a", "b"}, "nested": map[string]any{"k": nil}},
		Profile: store.UserProfile{GivenName: "Ada", FamilyName: "Lovelace", Locale: "en-GB",
			Address: store.UserAddress{Locality: "London", Country: "GB"}}}
	noErr(t, "CreateUser", s.CreateUser(ctx, u))
	got, err := s.GetUser(ctx, u.ID)
	noErr(t, "GetUser", err)
	diff(t, "user with custom data and profile", u, got)

	upd, err := s.UpdateUser(ctx, u.ID, func(x store.User) (store.User, error) {
		x.CustomData = map[string]any{"plan": "free"}
		x.Profile = store.UserProfile{Nickname: "ada"}
		return x, nil
	})
	noErr(t, "UpdateUser", err)
	got, err = s.GetUser(ctx, u.ID)
	noErr(t, "GetUser after update", err)
	diff(t, "updated user", upd, got)
	if got.CustomData["plan"] != "free" || len(got.CustomData) != 1 || got.Profile != (store.UserProfile{Nickname: "ada"}) {
		t.Fatalf("after update: custom %v, profile %+v", got.CustomData, got.Profile)
	}

	_, err = s.UpdateUser(ctx, u.ID, func(x store.User) (store.User, error) {
		x.CustomData, x.Profile = nil, store.UserProfile{}
		return x, nil
	})
	noErr(t, "UpdateUser clearing", err)
	got, err = s.GetUser(ctx, u.ID)
	noErr(t, "GetUser after clearing", err)
	if got.CustomData != nil || got.Profile != (store.UserProfile{}) {
		t.Fatalf("after clearing: custom %v, profile %+v", got.CustomData, got.Profile)
	}
}
