package store

import (
	"context"
	"time"
)

// AuthRequest is a pending authorization request: what /oidc/auth validated,
// waiting for the user to sign in (and consent). It lives in the database so
// any replica can resume it.
type AuthRequest struct {
	ID          string
	ClientID    string
	RedirectURI string
	// Scopes are the requested OpenID Connect scopes (openid, profile,
	// offline_access, ...); Permissions the requested API scopes, each
	// paired with a requested resource that defines it.
	Scopes              []string
	Permissions         []Permission
	Resources           []string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	ResponseMode        string
	Prompt              []string
	MaxAge              int // seconds; -1 when absent
	LoginHint           string
	UILocales           string
	// ForceLogin is set by prompt=login/max_age until the user signs in again
	// during this request.
	ForceLogin bool
	// ConsentDenied records that the user refused consent; the
	// authorization endpoint then answers the app with access_denied.
	ConsentDenied bool
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

type AuthRequests interface {
	CreateAuthRequest(ctx context.Context, a AuthRequest) error
	GetAuthRequest(ctx context.Context, id string) (AuthRequest, error) // expired → ErrNotFound
	UpdateAuthRequest(ctx context.Context, id string, fn func(AuthRequest) (AuthRequest, error)) (AuthRequest, error)
	DeleteAuthRequest(ctx context.Context, id string) error
}
