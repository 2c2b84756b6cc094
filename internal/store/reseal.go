package store

import "context"

// Reseal returns a sealed value re-encrypted under the current master
// secret and true, or the value itself and false when nothing needs
// doing (secret.Box.Reseal).
type Reseal func(sealed []byte) ([]byte, bool, error)

// Resealer re-encrypts the values sealed under the master secret, for
// `sesame secret rotate` (docs/production.md, "Rotating the master
// secret"). Each method runs in ONE transaction over its table and writes
// each row with a conditional UPDATE (… WHERE value = the one read), so a
// row that changed meanwhile is left as the server wrote it. An error from
// fn rolls the whole table back. They return how many rows changed;
// re-running them after a success changes nothing.
type Resealer interface {
	// ResealSigningKeys re-encrypts every signing key's private key.
	ResealSigningKeys(ctx context.Context, fn Reseal) (int, error)
	// ResealTOTPSecrets re-encrypts every enrolled TOTP secret.
	ResealTOTPSecrets(ctx context.Context, fn Reseal) (int, error)
	// ResealRefreshSuccessors re-encrypts the successors that rotated
	// refresh tokens keep for their app's reuse interval.
	ResealRefreshSuccessors(ctx context.Context, fn Reseal) (int, error)
}
