package experience

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Problem is an error meant for the person filling in a form: its text is
// shown on the page as it is, a full sentence.
type Problem string

func (p Problem) Error() string { return string(p) }

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
		return Problem("Usernames are 3 to 64 characters long.")
	}
	for i, r := range u {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || (i > 0 && (r == '_' || r == '.' || r == '-'))
		if !ok {
			return Problem("Usernames may contain only letters a–z, digits, '.', '_' and '-', and start with a letter or digit.")
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
		return Problem("That email address is too long.")
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.ContainsFunc(e, unicode.IsSpace) ||
		strings.ContainsFunc(e, func(r rune) bool { return !unicode.IsGraphic(r) || r == utf8.RuneError }) {
		return Problem("Enter a valid email address.")
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
		return Problem("Passwords must be at least 8 characters long.")
	}
	if len(p) > MaxPassword {
		return Problem("Passwords must be at most 256 bytes long.")
	}
	return nil
}
