package storetest

import (
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

func testIdentities(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	u := mfaUser(t, s)
	_, err := s.GetIdentity(ctx, "up", "sub-1")
	wantErr(t, "GetIdentity missing", err, store.ErrNotFound)
	wantErr(t, "CreateIdentity unknown user", s.CreateIdentity(ctx, store.Identity{ConnectorID: "up", Subject: "sub-1", UserID: "no-such-user", CreatedAt: n}), store.ErrNotFound)

	want := store.Identity{ConnectorID: "up", Subject: "sub-1", UserID: u.ID, Email: "a@example.com", CreatedAt: n}
	noErr(t, "CreateIdentity", s.CreateIdentity(ctx, want))
	got, err := s.GetIdentity(ctx, "up", "sub-1")
	noErr(t, "GetIdentity", err)
	diff(t, "Identity", want, got)
	// One upstream account links one user.
	other := mfaUser(t, s)
	wantErr(t, "second link of one subject", s.CreateIdentity(ctx, store.Identity{ConnectorID: "up", Subject: "sub-1", UserID: other.ID, CreatedAt: n}), store.ErrAlreadyExists)
	// The same sub at another connector is another identity.
	noErr(t, "other connector", s.CreateIdentity(ctx, store.Identity{ConnectorID: "up2", Subject: "sub-1", UserID: u.ID, CreatedAt: n.Add(1)}))
	list, err := s.ListUserIdentities(ctx, u.ID)
	noErr(t, "ListUserIdentities", err)
	if len(list) != 2 || list[0].ConnectorID != "up" || list[1].ConnectorID != "up2" {
		t.Fatalf("ListUserIdentities = %+v", list)
	}

	// Signing up through a connector: the user and the link together, or
	// neither.
	nu := store.User{ID: id(), Username: "", Email: "new-" + id() + "@example.com", CreatedAt: n, UpdatedAt: n}
	noErr(t, "CreateUserWithIdentity", s.CreateUserWithIdentity(ctx, nu, store.Identity{ConnectorID: "up", Subject: "sub-2", CreatedAt: n}))
	got, err = s.GetIdentity(ctx, "up", "sub-2")
	noErr(t, "GetIdentity new", err)
	if got.UserID != nu.ID {
		t.Fatalf("link of the new user = %+v", got)
	}
	dup := store.User{ID: id(), Email: "other-" + id() + "@example.com", CreatedAt: n, UpdatedAt: n}
	wantErr(t, "CreateUserWithIdentity taken subject", s.CreateUserWithIdentity(ctx, dup, store.Identity{ConnectorID: "up", Subject: "sub-2", CreatedAt: n}), store.ErrAlreadyExists)
	_, err = s.GetUser(ctx, dup.ID)
	wantErr(t, "user of a failed CreateUserWithIdentity", err, store.ErrNotFound)

	// A link goes with its user.
	noErr(t, "DeleteUser", s.DeleteUser(ctx, u.ID))
	_, err = s.GetIdentity(ctx, "up", "sub-1")
	wantErr(t, "link of a deleted user", err, store.ErrNotFound)
}
