package store

import (
	"context"
	"time"
)

// AccessToken records an issued access token (opaque tokens by SHA-256 of the
// token, JWT tokens by SHA-256 of their jti) so that introspection, userinfo
// and revocation can see grant revocation immediately.
type AccessToken struct {
	Hash      []byte
	GrantID   string // empty for client_credentials
	ClientID  string
	UserID    string // empty for client_credentials
	Scopes    []string
	Audience  string // resource indicator, empty for opaque userinfo tokens
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time
}

type AccessTokens interface {
	CreateAccessToken(ctx context.Context, t AccessToken) error
	// GetAccessToken returns the token if it exists, is unexpired, not
	// revoked, and its grant (if any) is not revoked; else ErrNotFound.
	GetAccessToken(ctx context.Context, hash []byte, now time.Time) (AccessToken, error)
	RevokeAccessToken(ctx context.Context, hash []byte, now time.Time) error
}
