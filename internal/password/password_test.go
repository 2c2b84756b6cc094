package password

import (
	"context"
	"errors"
	"strings"
	"testing"
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
	if err := Verify(context.Background(), long, dummy); !errors.Is(err, ErrMismatch) {
		t.Fatalf("Verify(long) = %v", err)
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
