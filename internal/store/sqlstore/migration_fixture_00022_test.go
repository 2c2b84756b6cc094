package sqlstore

import (
	"testing"
	"time"
)

func checkFixture00022(t *testing.T, s *Store) {
	ctx := t.Context()
	x, err := s.GetSession(ctx, []byte{0x22, 0x22, 0x22, 0x22})
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if x.SID != "fixture-sid-22" || !x.ReauthAt.Equal(time.Unix(0, 1700000000000000022)) {
		t.Errorf("session = %+v", x)
	}
	// Sessions from before version 22 never re-authenticated.
	old, err := s.GetSession(ctx, []byte{0x17, 0x17, 0x17, 0x17})
	if err != nil {
		t.Fatalf("GetSession fixture-sid-17: %v", err)
	}
	if !old.ReauthAt.IsZero() {
		t.Errorf("pre-version-22 session reauth_at = %v", old.ReauthAt)
	}
}
