package store

import (
	"context"
	"errors"
	"time"
)

// ErrWrongCode: ConsumeVerification was given a code that does not match;
// the attempt was counted.
var ErrWrongCode = errors.New("store: wrong code")

// Verification is one emailed one-time code (package verification): only
// an HMAC of the code is stored. Binding ties it to the flow that asked
// for it (an authorization request's id, a session's sid), so a code
// cannot serve another browser's flow.
type Verification struct {
	ID       string
	Purpose  string // register, reset, sign_in, email_change
	Target   string // the canonical address the code was sent to
	Binding  string
	CodeHash []byte
	// Payload is what the flow needs once the code is right (a pending
	// registration's username and password hash); opaque to the store.
	Payload    []byte
	Attempts   int // wrong codes so far
	CreatedAt  time.Time
	ExpiresAt  time.Time
	ConsumedAt time.Time // zero until consumed
}

type Verifications interface {
	// CreateVerification stores v and, in the same transaction, deletes
	// the unconsumed codes of the same purpose, target and binding: a new
	// code replaces the one before.
	CreateVerification(ctx context.Context, v Verification) error
	// GetVerification returns the record, consumed or not; a missing one
	// is ErrNotFound.
	GetVerification(ctx context.Context, id string) (Verification, error)
	// ConsumeVerification redeems record id with one conditional write:
	// it succeeds only while the record is unconsumed, unexpired at now,
	// has fewer than maxAttempts wrong codes and its hash is codeHash.
	// Otherwise a live record counts one wrong attempt (another
	// conditional write) and the answer is ErrWrongCode; a record that is
	// missing, consumed, expired or out of attempts is ErrNotFound. Of
	// concurrent redemptions of one code exactly one succeeds.
	ConsumeVerification(ctx context.Context, id string, codeHash []byte, maxAttempts int, now time.Time) (Verification, error)
}
