package directory

import "crypto/rand"

const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// randomString draws n characters uniformly from alphabet.
func randomString(n int, alphabet string) string {
	out := make([]byte, n)
	buf := make([]byte, 1)
	limit := 256 - 256%len(alphabet)
	for i := 0; i < n; {
		rand.Read(buf)
		if int(buf[0]) >= limit {
			continue
		}
		out[i] = alphabet[int(buf[0])%len(alphabet)]
		i++
	}
	return string(out)
}

// NewAppID returns a Logto-shaped app id: 21 characters of [0-9a-z].
func NewAppID() string { return randomString(21, alnum[:36]) }

// NewSecret returns a 32-character alphanumeric secret (Logto's shape, so a
// Basic header needs no form-encoding).
func NewSecret() string { return randomString(32, alnum) }
