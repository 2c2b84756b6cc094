package storetest

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

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
