package opaque

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"
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

// NewTimeID returns a 128-bit identifier whose first 48 bits are t in
// milliseconds, in base32hex (lower-case alphanumerics, 26 characters):
// identifiers sort by time, so rows keyed by them (the audit log) are
// appended to their index instead of scattered over it, and an insert
// costs the same at the millionth row as at the first.
func NewTimeID(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	rand.Read(b[6:])
	return strings.ToLower(base32.HexEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// Hash is how tokens are keyed in the store: a database leak yields no
// usable token.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
