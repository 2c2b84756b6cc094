package identity

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/sesameauth/sesame/internal/password"
)

// Canonical is the form usernames and emails are stored, looked up and
// throttled under: NFKC-normalised, trimmed, lower-cased. So "Alice",
// "ALICE" and the full-width "ａｌｉｃｅ" are one account (catalogue IR-04).
func Canonical(s string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
}

// ValidateUsername checks a canonical username: 3–64 characters of a-z,
// 0-9, '_', '.', '-', starting with a letter or digit.
func ValidateUsername(u string) error {
	if len(u) < 3 || len(u) > 64 {
		return ErrUsernameLength
	}
	for i, r := range u {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || (i > 0 && (r == '_' || r == '.' || r == '-'))
		if !ok {
			return ErrUsernameChars
		}
	}
	return nil
}

// ValidateEmail checks a canonical email address loosely (the mailbox is
// proven by delivery, not by syntax): one '@', a dotted domain, no spaces,
// at most 254 characters, and nothing invisible: a zero-width or control
// character would let "admin\u200b@example.com" pass for another
// account's address wherever it is displayed (catalogue IR-04).
func ValidateEmail(e string) error {
	if len(e) > 254 {
		return ErrEmailTooLong
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.ContainsFunc(e, unicode.IsSpace) ||
		strings.ContainsFunc(e, func(r rune) bool { return !unicode.IsGraphic(r) || r == utf8.RuneError }) {
		return ErrEmailInvalid
	}
	return nil
}

// Password rules: long enough to matter, short enough not to burn CPU.
const (
	MinPassword = 8
	MaxPassword = 256
)

// ValidatePassword checks a new password's length.
func ValidatePassword(p string) error {
	n := len([]rune(p))
	if n < MinPassword {
		return ErrPasswordTooShort
	}
	if len(p) > MaxPassword {
		return ErrPasswordTooLong
	}
	return nil
}

// HashPassword hashes a new password with params (password.Default when
// params is zero). A password the hasher refuses is ErrPasswordUnusable.
func HashPassword(ctx context.Context, pw string, params password.Params) (string, error) {
	if params.Memory == 0 {
		params = password.Default
	}
	hash, err := password.Hash(ctx, pw, params)
	if err != nil {
		return "", ErrPasswordUnusable
	}
	return hash, nil
}
