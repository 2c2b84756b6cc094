package sqlstore

import (
	"bytes"
	"testing"
	"time"
)

// checkFixture00025: the reuse interval and a kept successor read back, and
// apps and tokens from before version 25 have neither.
func checkFixture00025(t *testing.T, s *Store) {
	ctx := t.Context()
	c, err := s.GetClient(ctx, "fixture-spa-25")
	if err != nil || c.RefreshReuseInterval != 25*time.Second {
		t.Errorf("fixture-spa-25: %+v %v", c, err)
	}
	if old, err := s.GetClient(ctx, "fixture-client"); err != nil || old.RefreshReuseInterval != 0 {
		t.Errorf("pre-version-25 app: %+v %v", old, err)
	}
	rt, err := s.GetRefreshToken(ctx, []byte{0x25, 0x25, 0x25, 0x25})
	if err != nil || !bytes.Equal(rt.Successor, []byte{0x5e, 0xa1, 0xed}) || !bytes.Equal(rt.SuccessorHash, []byte{0x0c, 0x0c, 0x0c, 0x0c}) {
		t.Errorf("rotated token: %+v %v", rt, err)
	}
	if old, err := s.GetRefreshToken(ctx, []byte{0x0c, 0x0c, 0x0c, 0x0c}); err != nil || old.Successor != nil || old.SuccessorHash != nil {
		t.Errorf("pre-version-25 token: %+v %v", old, err)
	}
}
