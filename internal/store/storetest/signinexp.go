package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testSignInExperience(t *testing.T, s store.Store) {
	ctx := t.Context()
	if _, err := s.GetSignInExperience(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSignInExperience on an empty store = %v, want ErrNotFound", err)
	}
	// Updating a row that does not exist is a conflict, not a creation.
	if _, err := s.PutSignInExperience(ctx, []byte(`{"a":0}`), 1, time.Unix(1_700_000_000, 0)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Put version 1 with no row = %v, want ErrConflict", err)
	}
	t1 := time.Unix(1_700_000_000, 0)
	v, err := s.PutSignInExperience(ctx, []byte(`{"a":1}`), 0, t1)
	noErr(t, "PutSignInExperience first", err)
	if v != 1 {
		t.Fatalf("first version = %d, want 1", v)
	}
	got, err := s.GetSignInExperience(ctx)
	noErr(t, "GetSignInExperience", err)
	if string(got.Doc) != `{"a":1}` || got.Version != 1 || !got.UpdatedAt.Equal(t1) {
		t.Fatalf("after first put = %+v", got)
	}
	// A second creation and a stale version lose and change nothing.
	if _, err := s.PutSignInExperience(ctx, []byte(`{"a":"x"}`), 0, t1); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second creation = %v, want ErrConflict", err)
	}
	t2 := t1.Add(time.Hour)
	v, err = s.PutSignInExperience(ctx, []byte(`{"a":2}`), 1, t2)
	noErr(t, "PutSignInExperience update", err)
	if v != 2 {
		t.Fatalf("second version = %d, want 2", v)
	}
	if _, err := s.PutSignInExperience(ctx, []byte(`{"a":"stale"}`), 1, t2); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale update = %v, want ErrConflict", err)
	}
	got, err = s.GetSignInExperience(ctx)
	noErr(t, "GetSignInExperience", err)
	if string(got.Doc) != `{"a":2}` || got.Version != 2 || !got.UpdatedAt.Equal(t2) {
		t.Fatalf("after update = %+v", got)
	}
}

// testConcurrentSignInExperience races n writers on one version: exactly
// one wins.
func testConcurrentSignInExperience(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := time.Unix(1_700_000_000, 0)
	if _, err := s.PutSignInExperience(ctx, []byte(`{}`), 0, now); err != nil {
		t.Fatal(err)
	}
	const n = 10
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := s.PutSignInExperience(ctx, []byte(`{"w":1}`), 1, now)
			errs <- err
		}()
	}
	wins := 0
	for range n {
		err := <-errs
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("writer: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d writers won, want 1", wins)
	}
}
