package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

// testReseal: every sealed column is rewritten by fn in place, a second
// run changes nothing, and an error from fn rolls the table back.
func testReseal(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	noErr(t, "CreateKey", s.CreateKey(ctx, store.SigningKey{ID: "k1", Alg: "ES384", PrivateKey: []byte("old:k1"), CreatedAt: n, ActivatesAt: n}))
	noErr(t, "CreateKey", s.CreateKey(ctx, store.SigningKey{ID: "k2", Alg: "RS256", PrivateKey: []byte("old:k2"), CreatedAt: n, ActivatesAt: n}))
	u := mfaUser(t, s)
	noErr(t, "CreateTOTP", s.CreateTOTP(ctx, store.TOTP{UserID: u.ID, Secret: []byte("old:totp"), CreatedAt: n}))
	f, _, rt := redeemedFixture(t, s)
	next := f.refresh(n)
	_, err := s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		return store.RefreshIssue{Rotate: &next, KeepSuccessor: []byte("old:successor")}, nil
	})
	noErr(t, "rotate keeping the successor", err)

	// "old:x" becomes "new:x"; anything else is already current.
	fn := func(b []byte) ([]byte, bool, error) {
		if v, ok := strings.CutPrefix(string(b), "old:"); ok {
			return []byte("new:" + v), true, nil
		}
		return b, false, nil
	}
	boom := errors.New("cannot open")
	failLast := func(b []byte) ([]byte, bool, error) {
		if string(b) == "old:k2" {
			return nil, false, boom
		}
		return fn(b)
	}
	if _, err := s.ResealSigningKeys(ctx, failLast); !errors.Is(err, boom) {
		t.Fatalf("ResealSigningKeys with a failing fn = %v, want its error", err)
	}
	ks, err := s.ListKeys(ctx)
	noErr(t, "ListKeys", err)
	for _, k := range ks {
		if !strings.HasPrefix(string(k.PrivateKey), "old:") {
			t.Fatalf("a failed reseal left key %s as %q: not rolled back", k.ID, k.PrivateKey)
		}
	}

	for range 2 { // the second run finds nothing to do
		nk, err := s.ResealSigningKeys(ctx, fn)
		noErr(t, "ResealSigningKeys", err)
		nt, err := s.ResealTOTPSecrets(ctx, fn)
		noErr(t, "ResealTOTPSecrets", err)
		ns, err := s.ResealRefreshSuccessors(ctx, fn)
		noErr(t, "ResealRefreshSuccessors", err)
		t.Logf("resealed %d keys, %d TOTP secrets, %d successors", nk, nt, ns)
		if nk+nt+ns != 0 && nk+nt+ns != 4 {
			t.Fatalf("resealed %d keys, %d TOTP, %d successors; want 2, 1, 1 then none", nk, nt, ns)
		}
	}
	if again, _ := s.ResealSigningKeys(ctx, fn); again != 0 {
		t.Fatalf("a re-run resealed %d keys", again)
	}
	ks, _ = s.ListKeys(ctx)
	for _, k := range ks {
		if string(k.PrivateKey) != "new:"+k.ID {
			t.Fatalf("key %s = %q after reseal", k.ID, k.PrivateKey)
		}
	}
	tt, err := s.GetTOTP(ctx, u.ID)
	noErr(t, "GetTOTP", err)
	if string(tt.Secret) != "new:totp" {
		t.Fatalf("TOTP secret = %q after reseal", tt.Secret)
	}
	got, err := s.GetRefreshToken(ctx, rt.Hash)
	noErr(t, "GetRefreshToken", err)
	if string(got.Successor) != "new:successor" || string(got.SuccessorHash) != string(next.Hash) {
		t.Fatalf("successor = %q after reseal", got.Successor)
	}
}
