package oauth2

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// A self-contained access token is not stored (docs/design.md, "Access
// tokens"), so its jti carries what revocation checks need besides the
// claims: when it was issued, to the nanosecond (iat has whole seconds, and
// an app's tokens are revoked "before" an instant), and its grant, empty
// for client_credentials. The form is random.issued.grant, with 128 random
// bits in base64url and issued in base 36; only tokens whose signature
// checked out are parsed. Tokens issued before migration 00023 have a
// jti without dots and a stored row.

// NewJTI returns the jti of a JWT access token of grantID issued at issued.
func NewJTI(grantID string, issued time.Time) string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:]) + "." + strconv.FormatInt(issued.UnixNano(), 36) + "." + grantID
}

// ParseJTI reads a jti made by NewJTI. ok is false for any other form,
// among them the stored tokens' of earlier versions.
func ParseJTI(jti string) (grantID string, issued time.Time, ok bool) {
	random, rest, found := strings.Cut(jti, ".")
	if !found || len(random) != 22 {
		return "", time.Time{}, false
	}
	at, grantID, found := strings.Cut(rest, ".")
	if !found || strings.Contains(grantID, ".") {
		return "", time.Time{}, false
	}
	n, err := strconv.ParseInt(at, 36, 64)
	if err != nil || n <= 0 {
		return "", time.Time{}, false
	}
	return grantID, time.Unix(0, n), true
}
