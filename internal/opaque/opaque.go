package opaque

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// NewToken returns a 256-bit random opaque token (43 characters of
// base64url, the same shape as Logto's).
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewID returns a 128-bit random identifier (lower-case alphanumerics).
func NewID() string {
	return strings.ToLower(rand.Text())
}

// Hash is how tokens are keyed in the store: a database leak yields no
// usable token.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
