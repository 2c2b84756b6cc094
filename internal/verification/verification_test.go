package verification_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store/sqlstore"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
	"github.com/sesameauth/sesame/internal/verification"
)

func newService(t *testing.T) (*verification.Service, *time.Time) {
	t.Helper()
	st := sqlitetest.Open(t)
	clock := time.Unix(1800000000, 0)
	return &verification.Service{Store: st, Key: []byte("test key"), Now: func() time.Time { return clock }}, &clock
}

func TestIssueRedeem(t *testing.T) {
	s, _ := newService(t)
	ctx := t.Context()
	iss, err := s.Issue(ctx, verification.Reset, "a@example.com", "flow-1", []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	if len(iss.Code) != 6 {
		t.Fatalf("code %q is not 6 digits", iss.Code)
	}
	// Another purpose or flow cannot use it, and does not burn it.
	for range 6 {
		if _, err := s.Redeem(ctx, iss.ID, verification.SignIn, "flow-1", iss.Code); !errors.Is(err, verification.ErrExpired) {
			t.Fatalf("other purpose: %v, want ErrExpired", err)
		}
		if _, err := s.Redeem(ctx, iss.ID, verification.Reset, "flow-2", iss.Code); !errors.Is(err, verification.ErrExpired) {
			t.Fatalf("other flow: %v, want ErrExpired", err)
		}
	}
	// Pasted with spaces.
	spaced := iss.Code[:3] + " " + iss.Code[3:]
	v, err := s.Redeem(ctx, iss.ID, verification.Reset, "flow-1", " "+spaced+" ")
	if err != nil || v.Target != "a@example.com" || string(v.Payload) != "payload" {
		t.Fatalf("Redeem = %+v, %v", v, err)
	}
	if _, err := s.Redeem(ctx, iss.ID, verification.Reset, "flow-1", iss.Code); !errors.Is(err, verification.ErrExpired) {
		t.Fatalf("reuse: %v, want ErrExpired", err)
	}
}

func TestWrongCodesBurnTheCode(t *testing.T) {
	s, _ := newService(t)
	ctx := t.Context()
	iss, _ := s.Issue(ctx, verification.SignIn, "a@example.com", "f", nil)
	wrong := "000000"
	if wrong == iss.Code {
		wrong = "000001"
	}
	for i := range verification.DefaultMaxAttempts {
		if _, err := s.Redeem(ctx, iss.ID, verification.SignIn, "f", wrong); !errors.Is(err, verification.ErrWrongCode) {
			t.Fatalf("wrong code %d: %v, want ErrWrongCode", i+1, err)
		}
	}
	if _, err := s.Redeem(ctx, iss.ID, verification.SignIn, "f", iss.Code); !errors.Is(err, verification.ErrExpired) {
		t.Fatalf("right code after %d wrong: %v, want ErrExpired", verification.DefaultMaxAttempts, err)
	}
}

func TestCodeExpires(t *testing.T) {
	s, clock := newService(t)
	ctx := t.Context()
	iss, _ := s.Issue(ctx, verification.Register, "a@example.com", "f", nil)
	*clock = clock.Add(verification.DefaultTTL)
	if _, err := s.Redeem(ctx, iss.ID, verification.Register, "f", iss.Code); !errors.Is(err, verification.ErrExpired) {
		t.Fatalf("at expiry: %v, want ErrExpired", err)
	}
}

func TestNewCodeReplacesOld(t *testing.T) {
	s, _ := newService(t)
	ctx := t.Context()
	old, _ := s.Issue(ctx, verification.Reset, "a@example.com", "f", nil)
	fresh, _ := s.Issue(ctx, verification.Reset, "a@example.com", "f", nil)
	if _, err := s.Redeem(ctx, old.ID, verification.Reset, "f", old.Code); !errors.Is(err, verification.ErrExpired) {
		t.Fatalf("replaced code: %v, want ErrExpired", err)
	}
	if _, err := s.Redeem(ctx, fresh.ID, verification.Reset, "f", fresh.Code); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentRedeem: of 20 redemptions of one code at once exactly one
// wins.
func TestConcurrentRedeem(t *testing.T) {
	s, _ := newService(t)
	iss, _ := s.Issue(t.Context(), verification.Register, "a@example.com", "f", nil)
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := s.Redeem(t.Context(), iss.ID, verification.Register, "f", iss.Code)
			switch {
			case err == nil:
				won.Add(1)
			case !errors.Is(err, verification.ErrExpired):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d of 20 concurrent redemptions won, want 1", won.Load())
	}
}

func TestCodesAreUniform(t *testing.T) {
	s, _ := newService(t)
	seen := map[byte]int{}
	for range 200 {
		iss, err := s.Issue(t.Context(), verification.SignIn, "a@example.com", "f", nil)
		if err != nil {
			t.Fatal(err)
		}
		seen[iss.Code[0]]++
	}
	// Each leading digit is drawn 20 times on average; a missing one in
	// 200 draws has probability below 1e-8.
	if len(seen) != 10 {
		t.Fatalf("leading digits seen: %v", seen)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"123 456": "123456", "123-456": "123456", " 1 2 3 4 5 6 ": "123456", "12a456": "12a456"} {
		if got := verification.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkRedeem(b *testing.B) {
	st, err := sqlstore.Open(b.Context(), sqlstore.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s := &verification.Service{Store: st, Key: []byte("k")}
	for b.Loop() {
		iss, _ := s.Issue(b.Context(), verification.SignIn, "a@example.com", "f", nil)
		if _, err := s.Redeem(b.Context(), iss.ID, verification.SignIn, "f", iss.Code); err != nil {
			b.Fatal(err)
		}
	}
}
