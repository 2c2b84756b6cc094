package opaque

import (
	"strings"
	"testing"
	"time"
)

// TestTokenEntropy (catalogue TL-05): opaque tokens and ids are unique,
// full-length and share no prefix, so none is guessable from another.
func TestTokenEntropy(t *testing.T) {
	const n = 100_000
	seen := make(map[string]bool, n)
	prefixes := map[string]int{}
	for range n {
		tok := NewToken()
		if len(tok) != 43 || strings.ContainsAny(tok, "+/=") {
			t.Fatalf("token %q is not 43 characters of base64url", tok)
		}
		if seen[tok] {
			t.Fatalf("duplicate token after %d", len(seen))
		}
		seen[tok] = true
		prefixes[tok[:3]]++
	}
	// 3 base64url characters = 18 bits: 100k tokens spread over 262,144
	// prefixes; a time-ordered or low-entropy generator would pile up.
	for p, c := range prefixes {
		if c > 12 {
			t.Fatalf("prefix %q shared by %d tokens", p, c)
		}
	}
	ids := map[string]bool{}
	for range 10_000 {
		id := NewID()
		if len(id) != 26 || ids[id] {
			t.Fatalf("id %q repeated or short", id)
		}
		ids[id] = true
	}
}

// TestTimeIDOrder: time ids sort by their time and stay unique within one
// millisecond.
func TestTimeIDOrder(t *testing.T) {
	base := time.UnixMilli(1_800_000_000_000)
	prev := ""
	seen := map[string]bool{}
	for i := range 2000 {
		id := NewTimeID(base.Add(time.Duration(i/4) * time.Millisecond))
		if len(id) != 26 || strings.Trim(id, "0123456789abcdefghijklmnopqrstuv") != "" {
			t.Fatalf("id %q is not 26 base32hex characters", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
		if i%4 == 0 && id <= prev {
			t.Fatalf("id %q of a later millisecond sorts before %q", id, prev)
		}
		prev = id
	}
}
