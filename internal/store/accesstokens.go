package store

import (
	"context"
	"time"
)

// AccessToken describes an access token. Opaque tokens (for userinfo) are
// stored, keyed by the SHA-256 of the token, so that revocation reaches them.
// JWT access tokens are self-contained and not stored (docs/design.md,
// "Access tokens"): the value describes one read from its claims, and only
// a revoked one is recorded, by its Hash (SHA-256 of its jti), in the deny
// list. Rows of JWT tokens issued before migration 00023 are still read.
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
	// DenyAccessToken puts a self-contained (JWT) access token on the deny
	// list, by the hash of its jti, until it expires. Denying twice is not
	// an error.
	DenyAccessToken(ctx context.Context, hash []byte, expiresAt time.Time) error
	// AccessTokenDenied reports whether the hash is on the deny list.
	AccessTokenDenied(ctx context.Context, hash []byte) (bool, error)
}
