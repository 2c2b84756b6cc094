package storetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func newPasskey(userID string, n time.Time) store.Passkey {
	return store.Passkey{ID: hash(), UserID: userID, PublicKey: hash(), AttestationType: "none",
		Transports: []string{"internal", "hybrid"}, AAGUID: hash()[:16], SignCount: 3,
		BackupEligible: true, UserVerified: true, Name: "Laptop", CreatedAt: n}
}

func testPasskeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	u, other := mfaUser(t, s), mfaUser(t, s)
	n := now()
	_, err := s.GetPasskey(ctx, hash())
	wantErr(t, "GetPasskey missing", err, store.ErrNotFound)
	wantErr(t, "CreatePasskey unknown user", s.CreatePasskey(ctx, newPasskey("no-such-user", n)), store.ErrNotFound)
	if c, err := s.CountPasskeys(ctx, u.ID); err != nil || c != 0 {
		t.Fatalf("CountPasskeys before = %d, %v", c, err)
	}

	p := newPasskey(u.ID, n)
	noErr(t, "CreatePasskey", s.CreatePasskey(ctx, p))
	dup := newPasskey(other.ID, n)
	dup.ID = p.ID
	wantErr(t, "CreatePasskey same credential ID for another user", s.CreatePasskey(ctx, dup), store.ErrAlreadyExists)
	got, err := s.GetPasskey(ctx, p.ID)
	noErr(t, "GetPasskey", err)
	diff(t, "Passkey", p, got)

	p2 := newPasskey(u.ID, n.Add(time.Second))
	p2.Transports, p2.BackupEligible, p2.UserVerified, p2.SignCount = nil, false, false, 0
	noErr(t, "CreatePasskey second", s.CreatePasskey(ctx, p2))
	noErr(t, "CreatePasskey other user", s.CreatePasskey(ctx, newPasskey(other.ID, n)))
	list, err := s.ListPasskeys(ctx, u.ID)
	noErr(t, "ListPasskeys", err)
	diff(t, "ListPasskeys", []store.Passkey{p, p2}, list)
	if c, err := s.CountPasskeys(ctx, u.ID); err != nil || c != 2 {
		t.Fatalf("CountPasskeys = %d, %v; want 2", c, err)
	}

	// Rename and delete are scoped to the owner.
	wantErr(t, "RenamePasskey by another user", s.RenamePasskey(ctx, other.ID, p.ID, "x"), store.ErrNotFound)
	noErr(t, "RenamePasskey", s.RenamePasskey(ctx, u.ID, p.ID, "Phone"))
	got, _ = s.GetPasskey(ctx, p.ID)
	if got.Name != "Phone" {
		t.Fatalf("Name = %q after rename", got.Name)
	}
	wantErr(t, "DeletePasskey by another user", s.DeletePasskey(ctx, other.ID, p2.ID), store.ErrNotFound)
	noErr(t, "DeletePasskey", s.DeletePasskey(ctx, u.ID, p2.ID))
	wantErr(t, "DeletePasskey again", s.DeletePasskey(ctx, u.ID, p2.ID), store.ErrNotFound)

	// Deleting the user deletes its passkeys.
	noErr(t, "DeleteUser", s.DeleteUser(ctx, u.ID))
	_, err = s.GetPasskey(ctx, p.ID)
	wantErr(t, "GetPasskey after DeleteUser", err, store.ErrNotFound)
}

func testPasskeySignCount(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mfaUser(t, s)
	n := now()
	wantErr(t, "UsePasskey missing", s.UsePasskey(ctx, hash(), 1, false, n), store.ErrNotFound)
	p := newPasskey(u.ID, n) // sign count 3
	noErr(t, "CreatePasskey", s.CreatePasskey(ctx, p))
	wantErr(t, "same count", s.UsePasskey(ctx, p.ID, 3, false, n), store.ErrReplayed)
	wantErr(t, "lower count", s.UsePasskey(ctx, p.ID, 2, false, n), store.ErrReplayed)
	wantErr(t, "zero after a counter", s.UsePasskey(ctx, p.ID, 0, false, n), store.ErrReplayed)
	used := n.Add(time.Minute)
	noErr(t, "higher count", s.UsePasskey(ctx, p.ID, 7, true, used))
	got, _ := s.GetPasskey(ctx, p.ID)
	if got.SignCount != 7 || !got.LastUsedAt.Equal(used) || !got.BackupState || !got.BackupEligible || !got.UserVerified {
		t.Fatalf("after use: %+v", got)
	}
	noErr(t, "backup state cleared", s.UsePasskey(ctx, p.ID, 8, false, used))
	got, _ = s.GetPasskey(ctx, p.ID)
	if got.BackupState || !got.BackupEligible || !got.UserVerified {
		t.Fatalf("flags after clearing BS: %+v", got)
	}

	// An authenticator without a counter reports 0 every time.
	z := newPasskey(u.ID, n)
	z.SignCount = 0
	noErr(t, "CreatePasskey counterless", s.CreatePasskey(ctx, z))
	noErr(t, "counterless use", s.UsePasskey(ctx, z.ID, 0, false, n))
	noErr(t, "counterless use again", s.UsePasskey(ctx, z.ID, 0, false, n))

	// Of concurrent uses with the same count exactly one wins.
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			err := s.UsePasskey(ctx, p.ID, 100, false, n)
			if err == nil {
				ok.Add(1)
			} else if !errors.Is(err, store.ErrReplayed) {
				t.Errorf("concurrent UsePasskey: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d concurrent uses with one count succeeded, want 1", ok.Load())
	}
}

func testPasskeyCeremonies(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	_, err := s.ConsumePasskeyCeremony(ctx, hash(), n)
	wantErr(t, "ConsumePasskeyCeremony missing", err, store.ErrNotFound)

	c := store.PasskeyCeremony{IDHash: hash(), Kind: "discover", Data: []byte(`{"challenge":"x"}`),
		CreatedAt: n, ExpiresAt: n.Add(5 * time.Minute)}
	noErr(t, "CreatePasskeyCeremony", s.CreatePasskeyCeremony(ctx, c))
	wantErr(t, "CreatePasskeyCeremony duplicate", s.CreatePasskeyCeremony(ctx, c), store.ErrAlreadyExists)
	got, err := s.ConsumePasskeyCeremony(ctx, c.IDHash, n.Add(time.Minute))
	noErr(t, "ConsumePasskeyCeremony", err)
	diff(t, "PasskeyCeremony", c, got)
	_, err = s.ConsumePasskeyCeremony(ctx, c.IDHash, n.Add(time.Minute))
	wantErr(t, "ConsumePasskeyCeremony replayed", err, store.ErrNotFound)

	// An expired ceremony is not handed out, and GarbageCollect removes it.
	old := store.PasskeyCeremony{IDHash: hash(), Kind: "login", UserID: "u1", Data: []byte(`{}`),
		CreatedAt: n, ExpiresAt: n.Add(5 * time.Minute)}
	noErr(t, "CreatePasskeyCeremony old", s.CreatePasskeyCeremony(ctx, old))
	_, err = s.ConsumePasskeyCeremony(ctx, old.IDHash, n.Add(5*time.Minute))
	wantErr(t, "ConsumePasskeyCeremony expired", err, store.ErrNotFound)
	if _, err := s.GarbageCollect(ctx, n.Add(6*time.Minute)); err != nil {
		t.Fatalf("GarbageCollect: %v", err)
	}
	_, err = s.ConsumePasskeyCeremony(ctx, old.IDHash, n)
	wantErr(t, "ConsumePasskeyCeremony after GC", err, store.ErrNotFound)

	// Of concurrent consumers exactly one gets the ceremony.
	race := store.PasskeyCeremony{IDHash: hash(), Kind: "register", UserID: "u1", Data: []byte(`{}`),
		CreatedAt: n, ExpiresAt: n.Add(5 * time.Minute)}
	noErr(t, "CreatePasskeyCeremony race", s.CreatePasskeyCeremony(ctx, race))
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			_, err := s.ConsumePasskeyCeremony(ctx, race.IDHash, n)
			if err == nil {
				ok.Add(1)
			} else if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("concurrent ConsumePasskeyCeremony: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d concurrent consumers succeeded, want 1", ok.Load())
	}
}
