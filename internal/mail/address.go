package mail

import (
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"strings"
)

// recipient returns s if it is exactly one bare address: no display name,
// no list, no control characters. Anything else is refused rather than
// cleaned, so CR/LF can never reach a header (docs/security.md, IR-09).
func recipient(s string) (string, error) {
	if s == "" || len(s) > 320 || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", ErrInvalidAddress
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", ErrInvalidAddress
	}
	return a.Address, nil
}

// Mask is how logs name a recipient: the first letter of the local part,
// the domain, and a short hash that tells addresses apart without
// revealing them, as "a***@example.com#3f2a9c".
func Mask(addr string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(addr)))
	h := hex.EncodeToString(sum[:3])
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || strings.ContainsFunc(addr, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "#" + h
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain + "#" + h
}
