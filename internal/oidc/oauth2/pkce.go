package oauth2

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
)

// ValidChallenge checks RFC 7636 §4.2's shape of a code_challenge: 43–128
// unreserved characters.
func ValidChallenge(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// ValidVerifier is ValidChallenge for code_verifier (same grammar).
func ValidVerifier(s string) bool { return ValidChallenge(s) }

// CheckPKCE verifies S256 both ways: a challenge demands a matching
// verifier, and a verifier without a challenge is a downgrade attempt.
func CheckPKCE(challenge, verifier string) error {
	if challenge == "" {
		if verifier != "" {
			return oauth2err.New(oauth2err.InvalidGrant, "code_verifier sent but no code_challenge was used at authorization")
		}
		return nil
	}
	if verifier == "" {
		return oauth2err.New(oauth2err.InvalidGrant, "code_verifier is required")
	}
	if !ValidVerifier(verifier) {
		return oauth2err.New(oauth2err.InvalidGrant, "code_verifier is malformed")
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) != 1 {
		return oauth2err.New(oauth2err.InvalidGrant, "code_verifier does not match code_challenge")
	}
	return nil
}
