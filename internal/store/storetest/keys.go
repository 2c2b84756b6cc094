package storetest

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	k1 := store.SigningKey{ID: "k1", Alg: "ES384", PrivateKey: []byte("sealed-1"), CreatedAt: n, ActivatesAt: n}
	k2 := store.SigningKey{ID: "k2", Alg: "ES384", PrivateKey: []byte("sealed-2"), CreatedAt: n.Add(time.Hour), ActivatesAt: n.Add(2 * time.Hour)}
	k3 := store.SigningKey{ID: "k3", Alg: "RS256", PrivateKey: []byte("sealed-3"), CreatedAt: n.Add(2 * time.Hour), ActivatesAt: n.Add(3 * time.Hour)}

	keys, err := s.ListKeys(ctx)
	noErr(t, "ListKeys empty", err)
	if len(keys) != 0 {
		t.Fatalf("ListKeys on empty store: %d", len(keys))
	}
	// Insert out of order; ListKeys sorts oldest first.
	noErr(t, "CreateKey k3", s.CreateKey(ctx, k3))
	noErr(t, "CreateKey k1", s.CreateKey(ctx, k1))
	noErr(t, "CreateKey k2", s.CreateKey(ctx, k2))
	wantErr(t, "CreateKey duplicate", s.CreateKey(ctx, k1), store.ErrAlreadyExists)
	keys, err = s.ListKeys(ctx)
	noErr(t, "ListKeys", err)
	diff(t, "ListKeys", []store.SigningKey{k1, k2, k3}, keys)

	r1, e1 := n.Add(3*time.Hour), n.Add(27*time.Hour)
	noErr(t, "RetireKeys", s.RetireKeys(ctx, "k3", r1, e1))
	// A second rotation keeps the first retirement times of retired keys.
	noErr(t, "RetireKeys again", s.RetireKeys(ctx, "k3", n.Add(5*time.Hour), n.Add(50*time.Hour)))
	k1.RetiredAt, k1.ExpiresAt = r1, e1
	k2.RetiredAt, k2.ExpiresAt = r1, e1
	keys, err = s.ListKeys(ctx)
	noErr(t, "ListKeys", err)
	diff(t, "ListKeys after RetireKeys", []store.SigningKey{k1, k2, k3}, keys)
}
