package store

import (
	"context"
	"time"
)

// RefreshToken is keyed by the SHA-256 of the token.
type RefreshToken struct {
	Hash        []byte
	GrantID     string
	ClientID    string
	UserID      string
	Scopes      []string     // OpenID Connect scopes
	Permissions []Permission // API scopes, as on the grant
	Resources   []string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	ConsumedAt  time.Time // set when rotated away; presenting it again is a replay
}

// Live reports whether the token, issued under grant g, is usable at now:
// unexpired (a zero ExpiresAt never expires), not rotated away, and its
// grant live. It is the rule UseRefreshToken enforces, for readers such as
// introspection.
func (t RefreshToken) Live(g Grant, now time.Time) bool {
	return (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt)) && t.ConsumedAt.IsZero() && g.ID == t.GrantID && g.Live(now)
}

// RefreshIssue is what a successful refresh writes.
type RefreshIssue struct {
	AccessToken *AccessToken // nil for a self-contained (JWT) access token
	// Rotate, when non-nil, marks the presented token consumed and stores
	// this one in its place.
	Rotate *RefreshToken
}

type RefreshTokens interface {
	// UseRefreshToken loads the token and its grant: if it was consumed,
	// revokes its grant and returns ErrReplayed; if it, or its grant, is
	// expired or revoked returns ErrNotFound; otherwise calls fn and writes
	// the issue (rotating atomically when asked: the presented token is
	// consumed and its successor stored in one conditional write, and of
	// many concurrent rotations exactly one succeeds, the others get
	// ErrReplayed). An error of fn writes nothing.
	UseRefreshToken(ctx context.Context, hash []byte, now time.Time, fn func(RefreshToken, Grant) (RefreshIssue, error)) (RefreshToken, error)
	GetRefreshToken(ctx context.Context, hash []byte) (RefreshToken, error)
}
