package sqlstore

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func checkFixture00017(t *testing.T, s *Store) {
	ctx := t.Context()
	amr := []string{"pwd", "otp", "mfa"}
	x, err := s.GetSession(ctx, []byte{0x17, 0x17, 0x17, 0x17})
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if x.SID != "fixture-sid-17" || !slices.Equal(x.AMR, amr) {
		t.Errorf("session = %+v", x)
	}
	g, err := s.GetGrant(ctx, "fixture-grant-17")
	if err != nil {
		t.Fatalf("GetGrant: %v", err)
	}
	if !slices.Equal(g.AMR, amr) {
		t.Errorf("grant amr = %q", g.AMR)
	}
	stop := errors.New("checked")
	c, err := s.RedeemCode(ctx, []byte{0x17, 0x17, 0x17, 0x18}, time.Now(), func(c store.AuthCode) (store.CodeIssue, error) {
		return store.CodeIssue{}, stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("RedeemCode: %v", err)
	}
	if c.Nonce != "n17" || !slices.Equal(c.AMR, amr) {
		t.Errorf("code = %+v", c)
	}
	ar, err := s.GetAuthRequest(ctx, "fixture-ar-17")
	if err != nil {
		t.Fatalf("GetAuthRequest: %v", err)
	}
	if ar.FirstScreen != "identifier:register" || !slices.Equal(ar.Identifiers, []string{"email", "username"}) ||
		ar.DirectSignIn != "social:google" || !slices.Equal(ar.ACRValues, []string{"urn:sesame:loa:2"}) ||
		ar.PendingUserID != "fixture-user" || !slices.Equal(ar.PendingAMR, []string{"pwd"}) || ar.LoginHint != "alice@example.com" {
		t.Errorf("auth request = %+v", ar)
	}
	// Rows from before version 17 recorded no factor and no parameter.
	old, err := s.GetSession(ctx, []byte{0x0a, 0x0a, 0x0a, 0x0a})
	if err != nil {
		t.Fatalf("GetSession fixture-sid: %v", err)
	}
	oldGrant, err := s.GetGrant(ctx, "fixture-grant")
	if err != nil {
		t.Fatalf("GetGrant fixture-grant: %v", err)
	}
	oldAR, err := s.GetAuthRequest(ctx, "fixture-ar")
	if err != nil {
		t.Fatalf("GetAuthRequest fixture-ar: %v", err)
	}
	if old.AMR != nil || oldGrant.AMR != nil || oldAR.FirstScreen != "" || oldAR.Identifiers != nil ||
		oldAR.DirectSignIn != "" || oldAR.ACRValues != nil || oldAR.PendingUserID != "" || oldAR.PendingAMR != nil {
		t.Errorf("pre-version-17 rows: session amr %q, grant amr %q, request %+v", old.AMR, oldGrant.AMR, oldAR)
	}
}
