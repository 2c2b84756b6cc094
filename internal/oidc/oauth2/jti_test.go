package oauth2

import (
	"testing"
	"time"
)

func TestJTI(t *testing.T) {
	at := time.Unix(1_800_000_000, 123_456_789)
	for _, grant := range []string{"", "g0abc123"} {
		jti := NewJTI(grant, at)
		g, issued, ok := ParseJTI(jti)
		if !ok || g != grant || !issued.Equal(at) {
			t.Errorf("ParseJTI(NewJTI(%q)) = %q, %v, %v", grant, g, issued, ok)
		}
		if NewJTI(grant, at) == jti {
			t.Error("two jtis of the same grant and instant are equal")
		}
	}
	for _, bad := range []string{"", "legacytokenwithoutdots", "short.1.g", "AAAAAAAAAAAAAAAAAAAAAA.zz!.g",
		"AAAAAAAAAAAAAAAAAAAAAA.0.g", "AAAAAAAAAAAAAAAAAAAAAA.1", "AAAAAAAAAAAAAAAAAAAAAA.1.g.h", "AAAAAAAAAAAAAAAAAAAAAA.-5.g"} {
		if _, _, ok := ParseJTI(bad); ok {
			t.Errorf("ParseJTI(%q) accepted", bad)
		}
	}
}
