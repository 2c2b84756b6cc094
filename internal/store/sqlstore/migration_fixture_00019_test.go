package sqlstore

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func checkFixture00019(t *testing.T, s *Store) {
	ctx := t.Context()
	x, err := s.GetTOTP(ctx, "fixture-user")
	if err != nil {
		t.Fatalf("GetTOTP: %v", err)
	}
	if !bytes.Equal(x.Secret, []byte{0x19, 0x19, 0x19, 0x19, 0xaa, 0xbb, 0xcc, 0xdd}) || x.LastStep != 57000000 ||
		!x.CreatedAt.Equal(time.Unix(0, 1700000000000000000)) {
		t.Errorf("totp = %+v", x)
	}
	if err := s.AdvanceTOTPStep(ctx, "fixture-user", 57000000); !errors.Is(err, store.ErrReplayed) {
		t.Errorf("AdvanceTOTPStep to the stored step: %v, want ErrReplayed", err)
	}
	if n, err := s.BackupCodesLeft(ctx, "fixture-user"); err != nil || n != 1 {
		t.Errorf("BackupCodesLeft = %d, %v; want 1", n, err)
	}
	if err := s.UseBackupCode(ctx, "fixture-user", []byte{0x19, 0x02}, time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("used fixture code: %v, want ErrNotFound", err)
	}
	if err := s.UseBackupCode(ctx, "fixture-user", []byte{0x19, 0x01}, time.Now()); err != nil {
		t.Errorf("unused fixture code: %v", err)
	}
}
