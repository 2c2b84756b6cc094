package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Backends wrap nothing else around them, so callers use
// errors.Is.
var (
	ErrNotFound      = errors.New("store: not found")
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrReplayed is returned when a one-time artifact (code, rotated refresh
	// token) is presented a second time. The backend has already revoked the
	// grant it belongs to when it returns this error.
	ErrReplayed = errors.New("store: artifact already used")
	// ErrUnavailable wraps connection-level failures so the HTTP layer can
	// answer 503 with Retry-After instead of 500.
	ErrUnavailable = errors.New("store: database unavailable")
)

// ClockSkew is how far apart the replicas' clocks may be without ending a
// session, an authorization request or an authorization code early: each
// counts as expired only ClockSkew after its ExpiresAt by the reading
// replica's clock, so one made on a replica whose clock is behind lives
// its whole lifetime on a replica whose clock is ahead. The price is that
// they may live up to ClockSkew longer than their lifetime (docs/design.md,
// "Clocks across replicas").
const ClockSkew = 10 * time.Second

// Store is everything Sesame persists.
type Store interface {
	Clients
	Users
	Resources
	Roles
	Keys
	AuthRequests
	Sessions
	Grants
	Codes
	RefreshTokens
	AccessTokens
	Consents
	Throttle
	Admins
	Audit
	SignInExperiences
	Verifications
	Identities
	MFA
	Passkeys
	LogoutDeliveries
	Resealer
	// GarbageCollect deletes expired rows and reports how many.
	GarbageCollect(ctx context.Context, now time.Time) (int64, error)
	// Ping checks the database is reachable (readiness).
	Ping(ctx context.Context) error
	Close() error
}
