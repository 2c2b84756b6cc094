package sqlstore

import (
	"testing"
	"time"
)

func checkFixture00023(t *testing.T, s *Store) {
	ctx := t.Context()
	if d, err := s.AccessTokenDenied(ctx, []byte{0x23, 0x23, 0x23, 0x23}); err != nil || !d {
		t.Errorf("denied token: %v %v", d, err)
	}
	c, err := s.GetClient(ctx, "fixture-m2m-23")
	if err != nil || !c.TokensRevokedBefore.Equal(time.Unix(0, 1700000000000000023)) {
		t.Errorf("fixture-m2m-23: %+v %v", c, err)
	}
	// Apps from before version 23 never had their tokens revoked.
	old, err := s.GetClient(ctx, "fixture-m2m")
	if err != nil || !old.TokensRevokedBefore.IsZero() {
		t.Errorf("pre-version-23 app: %+v %v", old, err)
	}
}
