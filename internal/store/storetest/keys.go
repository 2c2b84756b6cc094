package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	k1 := store.SigningKey{ID: "k1", Alg: "ES384", PrivateKey: []byte("sealed-1"), CreatedAt: n, ActivatesAt: n}
	k2 := store.SigningKey{ID: "k2", Alg: "ES384", PrivateKey: []byte("sealed-2"), CreatedAt: n.Add(time.Hour), ActivatesAt: n.Add(2 * time.Hour)}
	k3 := store.SigningKey{ID: "k3", Alg: "RS256", PrivateKey: []byte("sealed-3"), CreatedAt: n.Add(2 * time.Hour), ActivatesAt: n.Add(3 * time.Hour),
		Purpose: store.KeyForAlg}

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
	noErr(t, "RetireKeys", s.RetireKeys(ctx, []string{"k3"}, r1, e1))
	// A second rotation keeps the first retirement times of retired keys.
	noErr(t, "RetireKeys again", s.RetireKeys(ctx, []string{"k3"}, n.Add(5*time.Hour), n.Add(50*time.Hour)))
	k1.RetiredAt, k1.ExpiresAt = r1, e1
	k2.RetiredAt, k2.ExpiresAt = r1, e1
	keys, err = s.ListKeys(ctx)
	noErr(t, "ListKeys", err)
	diff(t, "ListKeys after RetireKeys", []store.SigningKey{k1, k2, k3}, keys)
}

// testCreateKeyIfNone: a key is created only when no unretired key has its
// algorithm and purpose, concurrently too.
func testCreateKeyIfNone(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	primary := store.SigningKey{ID: "p1", Alg: "ES384", PrivateKey: []byte("p"), CreatedAt: n, ActivatesAt: n}
	noErr(t, "CreateKey", s.CreateKey(ctx, primary))
	const N = 8
	var created atomic.Int32
	var wg sync.WaitGroup
	for i := range N {
		wg.Go(func() {
			ok, err := s.CreateKeyIfNone(ctx, store.SigningKey{ID: fmt.Sprintf("rs-%d", i), Alg: "RS256", PrivateKey: []byte("r"),
				CreatedAt: n, ActivatesAt: n, Purpose: store.KeyForAlg})
			if err != nil {
				t.Errorf("CreateKeyIfNone: %v", err)
			}
			if ok {
				created.Add(1)
			}
		})
	}
	wg.Wait()
	if created.Load() != 1 {
		t.Fatalf("%d concurrent CreateKeyIfNone of one algorithm: %d created, want 1", N, created.Load())
	}
	// Another purpose or algorithm is another family.
	if ok, err := s.CreateKeyIfNone(ctx, store.SigningKey{ID: "es-alg", Alg: "ES384", PrivateKey: []byte("e"), CreatedAt: n,
		ActivatesAt: n, Purpose: store.KeyForAlg}); !ok || err != nil {
		t.Fatalf("CreateKeyIfNone of ES384 for apps beside the primary ES384 key: %v %v", ok, err)
	}
	// Once the family is retired, a new key may be created.
	noErr(t, "RetireKeys", s.RetireKeys(ctx, []string{"p1"}, n, n.Add(time.Hour)))
	if ok, err := s.CreateKeyIfNone(ctx, store.SigningKey{ID: "rs-new", Alg: "RS256", PrivateKey: []byte("r"), CreatedAt: n,
		ActivatesAt: n, Purpose: store.KeyForAlg}); !ok || err != nil {
		t.Fatalf("CreateKeyIfNone after retirement: %v %v", ok, err)
	}
	keys, err := s.ListKeys(ctx)
	noErr(t, "ListKeys", err)
	if len(keys) != 4 {
		t.Fatalf("%d keys stored, want 4 (p1, one rs-*, es-alg, rs-new)", len(keys))
	}
}
