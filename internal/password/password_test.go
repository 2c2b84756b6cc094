package password

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h, err := Hash(ctx, "correct horse", Default)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected PHC string %q", h)
	}
	if err := Verify(ctx, "correct horse", h); err != nil {
		t.Fatalf("Verify(right) = %v", err)
	}
	if err := Verify(ctx, "correct horsE", h); !errors.Is(err, ErrMismatch) {
		t.Fatalf("Verify(wrong) = %v, want ErrMismatch", err)
	}
	h2, _ := Hash(ctx, "correct horse", Default)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestTooLong(t *testing.T) {
	long := strings.Repeat("a", MaxLength+1)
	if _, err := Hash(context.Background(), long, Default); !errors.Is(err, ErrTooLong) {
		t.Fatalf("Hash(long) = %v", err)
	}
	if err := Verify(context.Background(), long, dummy()); !errors.Is(err, ErrMismatch) {
		t.Fatalf("Verify(long) = %v", err)
	}
}

// TestDummyCostsAHash: the unknown-user check verifies against a hash
// with Default's cost and key length, so it derives the same key a known
// user's check does (no enumeration by timing), and it always fails.
func TestDummyCostsAHash(t *testing.T) {
	p, salt, key, err := decode(dummy())
	if err != nil {
		t.Fatalf("dummy hash unreadable: %v", err)
	}
	if p.Memory != Default.Memory || p.Time != Default.Time || p.Threads != Default.Threads ||
		len(salt) != Default.SaltLen || len(key) != int(Default.KeyLen) {
		t.Fatalf("dummy hash %q is not at Default cost %+v", dummy(), Default)
	}
	if first, again := dummy(), dummy(); first != again {
		t.Fatal("dummy hash made twice")
	}
	if err := VerifyDummy(context.Background(), "sesame-dummy-password"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("VerifyDummy = %v, want ErrMismatch", err)
	}
}

func TestMalformed(t *testing.T) {
	for _, s := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA"} {
		if err := Verify(context.Background(), "x", s); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) = %v, want ErrMalformed", s, err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h, _ := Hash(context.Background(), "pw", Default)
	for b.Loop() {
		Verify(context.Background(), "pw", h)
	}
}

func TestUnicodeNormalised(t *testing.T) {
	ctx := context.Background()
	h, _ := Hash(ctx, "caf\u00e9-pass", Default)              // é composed
	if err := Verify(ctx, "cafe\u0301-pass", h); err != nil { // e + combining acute
		t.Fatalf("NFD form of the password rejected: %v", err)
	}
	if err := Verify(ctx, "cafe-pass", h); err == nil {
		t.Fatal("a different password accepted")
	}
}

// TestBusy: with every hashing slot taken, a check waits at most maxWait
// and then fails with ErrBusy (a 503 to the HTTP layers), the dummy check
// of an unknown user fails the same way, and a cancelled request stops
// waiting at once.
func TestBusy(t *testing.T) {
	h, err := Hash(context.Background(), "pw", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { maxWait = d }(maxWait)
	maxWait = 50 * time.Millisecond
	for range cap(limiter) {
		limiter <- struct{}{}
	}
	full := true
	defer func() {
		if full {
			for range cap(limiter) {
				<-limiter
			}
		}
	}()
	if err := Verify(context.Background(), "pw", h); !errors.Is(err, ErrBusy) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Verify with every slot taken = %v, want ErrBusy", err)
	}
	if err := VerifyDummy(context.Background(), "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("VerifyDummy with every slot taken = %v, want ErrBusy", err)
	}
	if _, err := Hash(context.Background(), "pw", Default); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash with every slot taken = %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Verify(ctx, "pw", h); !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify of a cancelled request = %v", err)
	}
	for range cap(limiter) {
		<-limiter
	}
	full = false
	if err := Verify(context.Background(), "pw", h); err != nil {
		t.Fatalf("Verify once a slot is free = %v", err)
	}
	if cap(limiter) != max(1, runtime.GOMAXPROCS(0)/2) {
		t.Fatalf("%d hashing slots for %d CPUs", cap(limiter), runtime.GOMAXPROCS(0))
	}
}

// TestActivityCountsHashes: every hash, made or checked, is counted when
// it starts and when it ends, so the serving process can tell a live-heap
// reading that may hold a hash's memory (internal/cli/memory.go).
func TestActivityCountsHashes(t *testing.T) {
	p := Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	s0, f0 := Activity()
	h, err := Hash(context.Background(), "pw", p)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(context.Background(), "wrong", h); err != ErrMismatch {
		t.Fatalf("Verify = %v, want ErrMismatch", err)
	}
	if s, f := Activity(); s-s0 != 2 || f-f0 != 2 {
		t.Fatalf("after a hash and a check: %d started, %d finished, want 2 and 2", s-s0, f-f0)
	}
}
