package sqlstore

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sesameauth/sesame/internal/store"
)

func checkFixture00020(t *testing.T, s *Store) {
	ctx := t.Context()
	p, err := s.GetPasskey(ctx, []byte{0x20, 0x20, 0xaa})
	if err != nil {
		t.Fatalf("GetPasskey: %v", err)
	}
	want := store.Passkey{ID: []byte{0x20, 0x20, 0xaa}, UserID: "fixture-user", PublicKey: []byte{0xa5, 0x01, 0x02, 0x03, 0x26},
		AttestationType: "none", Transports: []string{"internal", "hybrid"},
		AAGUID:    []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff},
		SignCount: 41, BackupEligible: true, UserVerified: true, Name: "Laptop",
		CreatedAt: time.Unix(0, 1700000000000000000), LastUsedAt: time.Unix(0, 1700000000000000020)}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("passkey (-want +got):\n%s", d)
	}
	if err := s.UsePasskey(ctx, p.ID, 41, false, time.Now()); !errors.Is(err, store.ErrReplayed) {
		t.Errorf("UsePasskey at the stored count: %v, want ErrReplayed", err)
	}
	c, err := s.ConsumePasskeyCeremony(ctx, []byte{0x20, 0x20, 0xbb}, time.Unix(1800000000, 0))
	if err != nil || c.Kind != "discover" || string(c.Data) != "{}" {
		t.Errorf("ConsumePasskeyCeremony = %+v, %v", c, err)
	}
}
