package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func newVerification(n time.Time) store.Verification {
	return store.Verification{ID: id(), Purpose: "reset", Target: "a@example.com", Binding: "interaction-1",
		CodeHash: hash(), Payload: []byte(`{"k":"v"}`), CreatedAt: n, ExpiresAt: n.Add(10 * time.Minute)}
}

func testVerifications(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	_, err := s.GetVerification(ctx, "missing")
	wantErr(t, "GetVerification missing", err, store.ErrNotFound)
	_, err = s.ConsumeVerification(ctx, "missing", hash(), 5, n)
	wantErr(t, "ConsumeVerification missing", err, store.ErrNotFound)

	v := newVerification(n)
	noErr(t, "CreateVerification", s.CreateVerification(ctx, v))
	got, err := s.GetVerification(ctx, v.ID)
	noErr(t, "GetVerification", err)
	diff(t, "Verification", v, got)

	// Wrong codes count; the record stays redeemable until the limit.
	for i := 1; i <= 3; i++ {
		_, err := s.ConsumeVerification(ctx, v.ID, hash(), 5, n)
		wantErr(t, "wrong code", err, store.ErrWrongCode)
	}
	got, _ = s.GetVerification(ctx, v.ID)
	if got.Attempts != 3 {
		t.Fatalf("Attempts = %d after 3 wrong codes, want 3", got.Attempts)
	}
	used, err := s.ConsumeVerification(ctx, v.ID, v.CodeHash, 5, n.Add(time.Minute))
	noErr(t, "ConsumeVerification", err)
	if !used.ConsumedAt.Equal(n.Add(time.Minute)) || string(used.Payload) != `{"k":"v"}` || used.Target != v.Target {
		t.Fatalf("consumed record = %+v", used)
	}
	// Once: the right code again is gone, and counts nothing.
	_, err = s.ConsumeVerification(ctx, v.ID, v.CodeHash, 5, n.Add(time.Minute))
	wantErr(t, "second use", err, store.ErrNotFound)
	_, err = s.ConsumeVerification(ctx, v.ID, hash(), 5, n.Add(time.Minute))
	wantErr(t, "wrong code on a used record", err, store.ErrNotFound)
}

// testVerificationLimits: the last allowed wrong attempt burns the code
// (even the right one fails after it); an expired code fails; a new code
// for the same flow replaces the unconsumed one; GC removes expired rows.
func testVerificationLimits(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	burnt := newVerification(n)
	noErr(t, "CreateVerification", s.CreateVerification(ctx, burnt))
	for range 5 {
		_, err := s.ConsumeVerification(ctx, burnt.ID, hash(), 5, n)
		wantErr(t, "wrong code", err, store.ErrWrongCode)
	}
	_, err := s.ConsumeVerification(ctx, burnt.ID, burnt.CodeHash, 5, n)
	wantErr(t, "right code after 5 wrong", err, store.ErrNotFound)

	expired := newVerification(n)
	expired.Target = "b@example.com"
	noErr(t, "CreateVerification", s.CreateVerification(ctx, expired))
	_, err = s.ConsumeVerification(ctx, expired.ID, expired.CodeHash, 5, expired.ExpiresAt)
	wantErr(t, "at expiry", err, store.ErrNotFound)

	first := newVerification(n)
	first.Target, first.Binding = "c@example.com", "i-2"
	noErr(t, "CreateVerification first", s.CreateVerification(ctx, first))
	other := first
	other.ID, other.Binding, other.CodeHash = id(), "i-3", hash() // another flow keeps its code
	noErr(t, "CreateVerification other flow", s.CreateVerification(ctx, other))
	second := first
	second.ID, second.CodeHash = id(), hash()
	noErr(t, "CreateVerification second", s.CreateVerification(ctx, second))
	_, err = s.GetVerification(ctx, first.ID)
	wantErr(t, "replaced code", err, store.ErrNotFound)
	_, err = s.ConsumeVerification(ctx, other.ID, other.CodeHash, 5, n)
	noErr(t, "other flow's code", err)
	_, err = s.ConsumeVerification(ctx, second.ID, second.CodeHash, 5, n)
	noErr(t, "the new code", err)

	if _, err := s.GarbageCollect(ctx, n.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetVerification(ctx, expired.ID)
	wantErr(t, "expired code after GC", err, store.ErrNotFound)
}

// testConcurrentVerification: N redemptions of one code at once: exactly
// one wins, whatever the backend.
func testConcurrentVerification(t *testing.T, s store.Store) {
	v := newVerification(now())
	noErr(t, "CreateVerification", s.CreateVerification(t.Context(), v))
	errs := race(t, 20, func(int) error {
		_, err := s.ConsumeVerification(t.Context(), v.ID, v.CodeHash, 5, time.Now())
		return err
	})
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, store.ErrNotFound):
		default:
			t.Fatalf("ConsumeVerification: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of 20 concurrent redemptions of one code won, want exactly 1", won)
	}
}
