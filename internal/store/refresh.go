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
	// Successor and SuccessorHash are kept on a token rotated away by an
	// app with a reuse interval: the successor's value sealed by the
	// caller, and its hash. Empty otherwise.
	Successor     []byte
	SuccessorHash []byte
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
	// KeepSuccessor, with Rotate, is kept on the consumed token as its
	// Successor (Rotate's value, sealed) for the app's reuse interval.
	KeepSuccessor []byte
	// Reuse answers a consumed token: fn returns its successor again
	// (within the app's reuse interval), so nothing rotates and only
	// AccessToken is written.
	Reuse bool
}

type RefreshTokens interface {
	// UseRefreshToken loads the token and its grant: if it, or its grant,
	// is expired or revoked returns ErrNotFound; otherwise calls fn and
	// writes the issue (rotating atomically when asked: the presented token
	// is consumed and its successor stored in one conditional write, and of
	// many concurrent rotations exactly one succeeds). An error of fn
	// writes nothing.
	//
	// A consumed token (one rotated away, or whose concurrent rotation
	// lost) is a replay: its grant is revoked and ErrReplayed returned.
	// Except when the token kept a Successor that is itself unconsumed and
	// unexpired, under a live grant: then fn is called with the consumed
	// token, and if it answers with Reuse the issue's access token is
	// written and nil returned; if it answers ErrReplayed, or anything
	// without Reuse, it is a replay as above.
	UseRefreshToken(ctx context.Context, hash []byte, now time.Time, fn func(RefreshToken, Grant) (RefreshIssue, error)) (RefreshToken, error)
	GetRefreshToken(ctx context.Context, hash []byte) (RefreshToken, error)
}
