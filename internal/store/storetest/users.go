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
		t.Fatal("fn called for a missing user")
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
	_, err = s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Fatal("fn called for a token of a deleted user")
		return store.RefreshIssue{}, nil
	})
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
