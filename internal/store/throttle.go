package store

import (
	"context"
	"time"
)

// Throttle counts failed sign-in attempts per key ("user:<id>", "ip:<addr>")
// in fixed windows, in the database so that limits hold across replicas.
type Throttle interface {
	// ReserveAttempt atomically takes one attempt slot for key in the window
	// that contains now. It returns ok=false and the time the window ends
	// when limit attempts were already taken. Of N concurrent calls at most
	// limit-taken succeed.
	ReserveAttempt(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (ok bool, retryAt time.Time, err error)
	// CheckAttempts reports, without taking a slot, whether key is below
	// limit in now's window, and if not when the window ends.
	CheckAttempts(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (ok bool, retryAt time.Time, err error)
	// ReleaseAttempt gives back one slot that ReserveAttempt took at now
	// (for an attempt that turned out not to be a failure, such as a
	// successful sign-in): one conditional write decrements key's count
	// only while the stored window is still now's window and the count is
	// positive. A slot of an earlier window is never credited to a later
	// one, so releasing cannot raise a window's budget above limit.
	// Releasing a missing key is not an error.
	ReleaseAttempt(ctx context.Context, key string, window time.Duration, now time.Time) error
	// ResetAttempts clears the key (after a successful sign-in).
	ResetAttempts(ctx context.Context, key string) error
}
