package store

import (
	"context"
	"time"
)

// Grant ties together everything issued to one client for one user from one
// authorization (code → tokens → refreshes). Revoking the grant revokes
// every token in it.
type Grant struct {
	ID       string
	ClientID string
	UserID   string   // empty for client_credentials
	SID      string   // SSO session the grant came from, if any
	Scopes   []string // OpenID Connect scopes
	// Permissions are the API scopes granted: requested, defined by the
	// resource, and held through the user's roles when the code was
	// issued. Every token issued later is narrowed again to the roles the
	// user holds then.
	Permissions []Permission
	Resources   []string
	AuthTime    time.Time
	CreatedAt   time.Time
	ExpiresAt   time.Time
	RevokedAt   time.Time // zero unless revoked
	// AMR lists the authentication methods of the sign-in the grant came
	// from; every ID token of the grant (refreshes included) carries them.
	AMR []string
}

// Live reports whether the grant can still be used at now: not revoked and
// not expired (a zero ExpiresAt never expires). UseRefreshToken and
// introspection apply this one rule.
func (g Grant) Live(now time.Time) bool {
	return g.RevokedAt.IsZero() && (g.ExpiresAt.IsZero() || now.Before(g.ExpiresAt))
}

type Grants interface {
	CreateGrant(ctx context.Context, g Grant) error
	GetGrant(ctx context.Context, id string) (Grant, error)
	// RevokeGrant marks the grant revoked and revokes its codes, refresh
	// tokens and access tokens. Revoking twice is not an error.
	RevokeGrant(ctx context.Context, id string, now time.Time) error
	// RevokeUserGrants revokes every grant of the user, offline ones
	// included, with their tokens, as RevokeGrant does for one. An empty
	// userID revokes nothing.
	RevokeUserGrants(ctx context.Context, userID string, now time.Time) error
}
